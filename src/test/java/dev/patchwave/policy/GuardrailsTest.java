package dev.patchwave.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.doc.DocumentParser;
import dev.patchwave.doc.Node;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each guardrail refuses what it should, names itself, and points at the field and its line. */
class GuardrailsTest {

  static final String SAFE =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: brokers}
      spec:
        selector: {matchLabels: {role: kafka}}
        reboot: ifRequired
        disruption: {groupBy: [cluster], maxUnavailablePerGroup: 1, maxUnavailable: 2}
        waves:
          - {name: canary, size: 1, soak: 30m}
          - {size: 100%}
      """;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a short canary soak   | soak: 30m                | soak: 5m             | first-wave.min-soak           | spec.waves[0].soak | 9",
        "a big canary          | size: 1, soak           | size: 20%, soak      | first-wave.max-size           | spec.waves[0].size | 9",
        "no canary             | '- {name: canary, size: 1, soak: 30m}' | '# none' | first-wave.required       | spec.waves         | 8",
        "the whole fleet       | {matchLabels: {role: kafka}} | {}              | select-all                    | spec.selector      | 5",
        "many reboots at once  | reboot: ifRequired      | reboot: always       | reboot-always.max-unavailable | spec.disruption.maxUnavailable | 7",
      })
  void aPolicyBreakingAGuardrailIsRefusedWithItsFieldAndLine(
      String what, String from, String to, String guardrail, String path, int line)
      throws Exception {
    String text = SAFE.replace(from, to);
    if (guardrail.startsWith("reboot-always")) {
      text = text.replace("maxUnavailable: 2", "maxUnavailable: 9");
    }
    Node root = DocumentParser.parse(text);
    RolloutPolicy policy = PolicyReader.bind(root);

    assertThat(Guardrails.DEFAULT.check(PolicyReader.read(SAFE))).isEmpty();
    var problems = Guardrails.problems(Guardrails.DEFAULT.check(policy), root);
    assertThat(problems)
        .as(what)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo(path);
              assertThat(p.message()).contains("patchwave.guardrails." + guardrail);
              assertThat(p.location().line()).isEqualTo(line);
            });
  }

  @ParameterizedTest
  @CsvSource({
    "1, 10, true",
    "1, 9, true",
    "2, 20, true",
    "2, 19, false",
    "3, 30, true",
    "3, 29, false"
  })
  void theFirstWaveSizeIsCheckedOnTheHostsSelected(int canary, int selected, boolean allowed)
      throws Exception {
    RolloutPolicy policy =
        PolicyReader.read(SAFE.replace("size: 1, soak", "size: " + canary + ", soak"));
    // 10% of the selected hosts, at least one
    List<Guardrails.Violation> broken = Guardrails.DEFAULT.check(policy, selected, 1000);
    assertThat(broken.isEmpty()).as(broken.toString()).isEqualTo(allowed);
  }

  @ParameterizedTest
  @CsvSource({"24, 2", "5, 1", "1000, 100", "0, 1"})
  void theFleetWideLimitIsAShareOfTheInventory(int inventory, int limit) {
    assertThat(Guardrails.DEFAULT.fleetLimit(inventory)).isEqualTo(limit);
    Guardrails capped =
        new Guardrails(
            java.util.Optional.of(50),
            10,
            true,
            Amount.percent(10),
            java.time.Duration.ofMinutes(10),
            5,
            false);
    assertThat(capped.fleetLimit(inventory)).isEqualTo(Math.min(limit, 50));
  }

  @ParameterizedTest
  @CsvSource({"5, 5, true", "5, 4, false"})
  void aPolicyThatSelectsEveryHostOfTheInventoryIsRefused(
      int selected, int inventory, boolean refused) throws Exception {
    RolloutPolicy policy = PolicyReader.read(SAFE);
    assertThat(Guardrails.DEFAULT.check(policy, selected, inventory))
        .extracting(Guardrails.Violation::guardrail)
        .containsExactlyElementsOf(refused ? List.of("select-all") : List.of());
  }

  @ParameterizedTest
  @CsvSource({"50, false", "60, true"})
  void rebootAlwaysWithAPercentageIsCheckedOnTheHostsSelected(int selected, boolean refused)
      throws Exception {
    RolloutPolicy policy =
        PolicyReader.read(
            SAFE.replace("reboot: ifRequired", "reboot: always")
                .replace("maxUnavailable: 2", "maxUnavailable: 10%"));
    // 10% of 50 is 5, the guardrail's limit; 10% of 60 is 6
    assertThat(Guardrails.DEFAULT.check(policy, selected, 1000))
        .extracting(Guardrails.Violation::guardrail)
        .containsExactlyElementsOf(refused ? List.of("reboot-always.max-unavailable") : List.of());
  }
}
