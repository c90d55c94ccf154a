package dev.patchwave.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.RolloutState;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The database's part in culprit isolation (ADR 20): one running isolation per incident and per
 * host whoever asks, an abort and the next proof never interleaving, a proof's outcome recorded
 * once, and incidents only for versions newly quarantined.
 */
@QuarkusTest
@io.quarkus.test.junit.TestProfile(IsolationStoreTest.OwnDatabase.class)
class IsolationStoreTest {

  /** Its quarantine entries are no other test's business. */
  public static class OwnDatabase implements io.quarkus.test.junit.QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.datasource.jdbc.url", "jdbc:h2:mem:isolation-store;DB_CLOSE_DELAY=-1");
    }
  }

  private static final AtomicInteger COUNT = new AtomicInteger();

  @Inject RolloutStore rollouts;
  @Inject QuarantineStore quarantine;
  @Inject IsolationStore isolations;

  /** A halted-looking incident of its own: a rollout, and two versions its host installed. */
  private IncidentRecord incident(PackageVersion... versions) throws Exception {
    int n = COUNT.incrementAndGet();
    String source =
        """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: isolation-store-%d}
        spec:
          selector: {matchLabels: {role: iso}}
          waves: [{name: canary, size: 1}, {size: 100%%}]
        """
            .formatted(n);
    RolloutPolicy policy = PolicyReader.read(source);
    Host h =
        new Host(
            "iso-" + n,
            "iso-" + n,
            22,
            Host.Transport.SIMULATED,
            Host.PackageFamily.APT,
            new TreeMap<>(Map.of("role", "iso")),
            Optional.empty(),
            Optional.empty());
    Instant now = Instant.now();
    RolloutState draft =
        RolloutState.start(0, policy, WavePlanner.plan(policy, List.of(h), now), "test", now);
    RolloutState created = rollouts.create(draft, source, List.of());
    return quarantine
        .addIncident(List.of(versions), created.id(), h.name(), "test failure", "controller")
        .orElseThrow();
  }

  static PackageVersion v(String name) {
    return new PackageVersion(name + "-" + COUNT.get(), "1.0-" + COUNT.get());
  }

  @Test
  void oneRunningIsolationPerIncidentAndPerHostOfThirtyAtOnce() throws Exception {
    IncidentRecord a = incident(v("a"), v("b"));
    IncidentRecord b = incident(v("c"));
    ExecutorService pool = Executors.newFixedThreadPool(30);
    List<Future<Boolean>> tries = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      // half ask for incident a on their own host, half for incident b on one shared host
      long incident = i % 2 == 0 ? a.id : b.id;
      String host = i % 2 == 0 ? "proof-a-" + i : "proof-shared";
      Callable<Boolean> begin =
          () -> {
            try {
              isolations.begin(incident, host, "oneAtATime", "approver-" + host);
              return true;
            } catch (IsolationStore.Taken e) {
              return false;
            }
          };
      tries.add(pool.submit(begin));
    }
    int won = 0;
    for (Future<Boolean> f : tries) {
      won += f.get() ? 1 : 0;
    }
    pool.shutdown();
    assertThat(won).isEqualTo(2);
    assertThat(isolations.ofIncident(a.id)).hasSize(1);
    assertThat(isolations.ofIncident(b.id)).hasSize(1);
    // another incident on a host that proves already: refused too
    IncidentRecord c = incident(v("d"));
    assertThatThrownBy(() -> isolations.begin(c.id, "proof-shared", "halves", "x"))
        .isInstanceOf(IsolationStore.Taken.class);
    // once it ends, the incident and the host are free again
    long running = isolations.ofIncident(b.id).get(0).id;
    assertThat(isolations.finish(running, "ABORTED", "test")).isTrue();
    assertThat(isolations.finish(running, "ABORTED", "twice")).isFalse();
    assertThat(isolations.begin(c.id, "proof-shared", "halves", "x").phase).isEqualTo("RUNNING");
  }

  @Test
  void anAbortedIsolationTakesNoNewProofAndAProofIsConcludedOnce() throws Exception {
    PackageVersion x = v("x");
    PackageVersion y = v("y");
    IncidentRecord incident = incident(x, y);
    IsolationRecord i = isolations.begin(incident.id, "proof-" + incident.id, "oneAtATime", "a");
    IsolationStepRecord first = isolations.addStep(i.id, List.of(x)).orElseThrow();
    // the proof's outcome: x innocent (released), in one go with its verdict
    assertThat(
            isolations.conclude(
                first.id,
                "INNOCENT",
                "healthy",
                List.of(x),
                Optional.of(QuarantineStore.INNOCENT),
                true,
                "isolation " + i.id,
                Optional.empty(),
                ""))
        .isTrue();
    assertThat(
            isolations.conclude(
                first.id,
                "GUILTY",
                "late",
                List.of(x),
                Optional.of(QuarantineStore.CULPRIT),
                false,
                "other",
                Optional.of("ISOLATED"),
                ""))
        .isFalse();
    assertThat(quarantine.suspectsOf(incident.id)).containsExactly(y);
    assertThat(quarantine.active()).contains(y).doesNotContain(x);

    IsolationStepRecord second = isolations.addStep(i.id, List.of(y)).orElseThrow();
    assertThat(quarantine.pins().proving().get(i.host)).containsExactly(y);
    // aborted from elsewhere before the proof's rollout was recorded: no rollout is wanted, and
    // no proof follows
    assertThat(isolations.finish(i.id, "ABORTED", "aborted by a")).isTrue();
    isolations.conclude(
        second.id,
        "INCONCLUSIVE",
        "aborted",
        List.of(),
        Optional.empty(),
        false,
        "a",
        Optional.empty(),
        "");
    assertThat(isolations.proving(second.id, incident.rolloutId)).isFalse();
    assertThat(isolations.addStep(i.id, List.of(y))).isEmpty();
    assertThat(quarantine.pins().proving()).doesNotContainKey(i.host);
    assertThat(quarantine.suspectsOf(incident.id)).containsExactly(y);
  }

  @Test
  void aFailedHostWhoseVersionsAreQuarantinedAlreadyMakesNoIncident() throws Exception {
    PackageVersion x = v("z");
    IncidentRecord first = incident(x);
    assertThat(quarantine.addIncident(List.of(x), first.rolloutId, "another-host", "again", "c"))
        .isEmpty();
    // the same host and rollout again: the same incident
    assertThat(
            quarantine
                .addIncident(List.of(x), first.rolloutId, first.host, "again", "c")
                .map(r -> r.id))
        .contains(first.id);
    assertThat(quarantine.entriesOf(first.id)).hasSize(1);
  }
}
