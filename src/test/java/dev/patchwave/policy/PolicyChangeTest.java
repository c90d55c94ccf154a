package dev.patchwave.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which edits of a policy loosen safety (and need a second person) and which do not; expected lines
 * separated by "; ".
 */
class PolicyChangeTest {

  static final String BASE =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: p}
      spec:
        selector: {matchLabels: {role: kafka}}
        packages: {origin: security, include: ["linux-*"], exclude: ["postgresql-*"]}
        reboot: ifRequired
        disruption: {groupBy: [cluster, zone], maxUnavailablePerGroup: 1, maxUnavailable: 2}
        canary: {coverBy: [os-release]}
        waves:
          - {name: canary, size: 1, soak: 1h, approval: manual}
          - {size: 50%, soak: 30m}
          - {size: 100%}
        health:
          interval: 30s
          timeout: 10m
          checks: [{builtin: reachable}, {builtin: system-running}]
        failure: {maxFailedHosts: 0, quarantine: true}
        kubernetes: {drain: true}
      """;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "narrower selector   | {role: kafka}}            | {role: kafka, zone: z1}} | ''",
        "broader selector    | {matchLabels: {role: kafka}} | {matchLabels: {}}    | spec.selector: may select more hosts",
        "all origins         | origin: security          | origin: all              | spec.packages.origin: security -> all",
        "more packages       | include: [\"linux-*\"]    | include: [\"linux-*\", \"openssl\"] | spec.packages.include: added openssl",
        "fewer excludes      | , exclude: [\"postgresql-*\"] | ''                   | spec.packages.exclude: removed postgresql-*",
        "more reboots        | reboot: ifRequired        | reboot: always           | spec.reboot: ifRequired -> always",
        "fewer reboots       | reboot: ifRequired        | reboot: never            | ''",
        "trial boot off      | reboot: ifRequired        | 'reboot: {trial: false}' | spec.reboot.trial: true -> false (a bad kernel no longer falls back by itself)",
        "slower panic reboot | reboot: ifRequired        | 'reboot: {panicTimeout: 2m}' | spec.reboot.panicTimeout: 30s -> 2m",
        "panic on hang       | reboot: ifRequired        | 'reboot: {panicOnHang: true}' | ''",
        "more power cycles   | reboot: ifRequired        | 'reboot: {powerCycles: 2}' | spec.reboot.powerCycles: 1 -> 2",
        "no power cycle      | reboot: ifRequired        | 'reboot: {powerCycles: 0}' | ''",
        "same, as an object  | reboot: ifRequired        | 'reboot: {when: ifRequired, trial: true}' | ''",
        "bigger group budget | maxUnavailablePerGroup: 1 | maxUnavailablePerGroup: 2 | spec.disruption.maxUnavailablePerGroup: 1 -> 2",
        "budget as percent   | maxUnavailable: 2}        | maxUnavailable: 1%}      | spec.disruption.maxUnavailable: 2 -> 1%",
        "fewer groups        | groupBy: [cluster, zone]  | groupBy: [cluster]       | spec.disruption.groupBy: removed zone",
        "less coverage       | coverBy: [os-release]     | coverBy: []              | spec.canary.coverBy: removed os-release",
        "shorter soak        | soak: 30m                 | soak: 10m                | spec.waves[1].soak: 30m -> 10m",
        "longer soak         | soak: 30m                 | soak: 2h                 | ''",
        "no approval         | ', approval: manual'      | ''                       | spec.waves[0].approval: manual removed",
        "bigger wave         | size: 50%                 | size: 60%                | spec.waves[1].size: 50% -> 60%",
        "fewer waves         | '    - {size: 50%, soak: 30m}' | ''                  | spec.waves: 3 -> 2 waves; spec.waves[1].size: 50% -> 100%; spec.waves[1].soak: 30m -> 0s",
        "slower checks       | interval: 30s             | interval: 5m             | spec.health.interval: 30s -> 5m",
        "a check removed     | ', {builtin: system-running}' | ''                   | spec.health.checks: removed or changed system-running",
        "failures tolerated  | maxFailedHosts: 0         | maxFailedHosts: 1        | spec.failure.maxFailedHosts: 0 -> 1",
        "no quarantine       | quarantine: true          | quarantine: false        | spec.failure.quarantine: true -> false",
        "no drain            | drain: true               | drain: false             | spec.kubernetes.drain: true -> false",
      })
  void aChangeLoosensOrNot(String what, String from, String to, String expected) throws Exception {
    RolloutPolicy before = PolicyReader.read(BASE);
    String text = BASE.replace(from, to);
    assertThat(text).as("the edit applies").isNotEqualTo(BASE);
    RolloutPolicy after = PolicyReader.read(text);
    if (expected.isEmpty()) {
      assertThat(PolicyChange.loosening(before, after)).as(what).isEmpty();
    } else {
      assertThat(PolicyChange.loosening(before, after))
          .as(what)
          .containsExactly(expected.split("; "));
    }
  }
}
