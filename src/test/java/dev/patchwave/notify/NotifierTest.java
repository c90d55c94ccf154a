package dev.patchwave.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Observations;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutMachine;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every pause (a person's, an inconclusive check, a failed freeze), an abort and a completion that
 * left hosts without their update reach the webhooks, not only halts and approvals.
 */
class NotifierTest {

  static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

  final List<Notification> sent = new ArrayList<>();

  final Notifier notifier =
      new Notifier(
          new Webhooks(noHooks(), new ObjectMapper(), Clock.fixed(NOW, ZoneOffset.UTC)) {
            @Override
            public void send(Notification n) {
              sent.add(n);
            }
          },
          Clock.fixed(NOW, ZoneOffset.UTC));

  RolloutState state;

  void decide(Observation... seen) {
    Decision d = RolloutMachine.decide(state, Observations.of(seen), NOW);
    notifier.saved(state, d);
    state = d.state();
  }

  @Test
  void pausesAbortsAndSkipsReachTheHooks() throws Exception {
    state = start();
    decide(new Observation.FreezeFailed("no selected host could be read"));
    decide(new Observation.Resume("alice"));
    decide(
        new Observation.PatchSetFrozen(
            PatchSet.of(List.of(new PackageVersion("openssl", "3.0.14"))), ""));
    decide(new Observation.HostPrepared("web-1", "boot-1"));
    decide(new Observation.HostPatched("web-1", List.of(), false, Optional.empty()));
    decide(
        new Observation.HealthReport(
            "web-1", List.of(new CheckResult("prometheus", Verdict.INCONCLUSIVE, "no data"))));
    decide(new Observation.Abort("bob"));

    assertThat(sent).extracting(Notification::event).containsExactly("paused", "paused", "aborted");
    assertThat(sent.get(0).reason()).isEqualTo(Reason.FREEZE_FAILED.name());
    assertThat(sent.get(1).reason()).isEqualTo(Reason.HEALTH_INCONCLUSIVE.name());
    assertThat(sent.get(1).text()).contains("PAUSED", "no data");

    sent.clear();
    state = start();
    decide(
        new Observation.PatchSetFrozen(
            PatchSet.EMPTY,
            "",
            Optional.empty(),
            Map.of("web-2", new Observation.Skip(Reason.NOT_PROVEN, "no canary installs x=1"))));
    assertThat(sent).extracting(Notification::event).containsExactly("completed-with-skips");
    assertThat(sent.get(0).text()).contains("web-2 (NOT_PROVEN)");
  }

  @Test
  void anIsolationsEndReachesTheHooksWithWhatStaysQuarantined() {
    notifier.ended(
        4,
        2,
        "brokers",
        "kafka-b-1",
        "ISOLATED",
        "culprit: linux-image-generic=6.8.0-49.49",
        List.of("linux-image-generic=6.8.0-49.49"));
    assertThat(sent)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.event()).isEqualTo("isolation-ended");
              assertThat(Notification.EVENTS).contains(n.event());
              assertThat(n.rollout()).isNull();
              assertThat(n.quarantined()).containsExactly("linux-image-generic=6.8.0-49.49");
              assertThat(n.text())
                  .isEqualTo(
                      "Patchwave isolation-ended on kafka-b-1 (policy brokers): isolation 4 of incident 2:"
                          + " ISOLATED: culprit: linux-image-generic=6.8.0-49.49");
            });
  }

  static RolloutState start() throws Exception {
    RolloutPolicy policy =
        PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: web}
            spec:
              selector: {matchLabels: {role: web}}
              reboot: never
              waves: [{name: canary, size: 1}, {size: 100%}]
            """);
    List<Host> hosts = new ArrayList<>();
    for (String n : List.of("web-1", "web-2")) {
      hosts.add(
          new Host(
              n,
              n,
              22,
              Host.Transport.SIMULATED,
              Host.PackageFamily.APT,
              new TreeMap<>(Map.of("role", "web")),
              Optional.empty(),
              Optional.empty()));
    }
    return RolloutState.start(1, policy, WavePlanner.plan(policy, hosts, NOW), "alice", NOW);
  }

  static NotifyConfig noHooks() {
    return new NotifyConfig() {
      @Override
      public Optional<List<Webhook>> webhooks() {
        return Optional.empty();
      }

      @Override
      public int maxAttempts() {
        return 1;
      }

      @Override
      public Duration initialBackoff() {
        return Duration.ofSeconds(1);
      }

      @Override
      public Duration maxBackoff() {
        return Duration.ofSeconds(1);
      }

      @Override
      public Duration timeout() {
        return Duration.ofSeconds(1);
      }

      @Override
      public int queueSize() {
        return 1;
      }
    };
  }
}
