package dev.patchwave.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.inventory.Host;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Observations;
import dev.patchwave.rollout.RolloutMachine;
import dev.patchwave.rollout.RolloutState;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How rollouts are stored (ADR 11): one row per host, written when that host changes; a
 * rollout-level document whose size does not grow with the hosts; the policy text stored once; and
 * rollouts stored by the previous version (hosts inside the document) still read, and moved to rows
 * on their first save.
 */
@QuarkusTest
class RolloutStorageTest {

  private static final AtomicInteger COUNT = new AtomicInteger();

  @Inject RolloutStore store;
  @Inject EntityManager em;
  @Inject ObjectMapper json;

  private String source(int n) {
    return """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: storage-test-%d}
        spec:
          selector: {matchLabels: {role: storage}}
          disruption: {maxUnavailable: 1}
          waves: [{name: canary, size: 1}, {size: 100%%}]
        """
        .formatted(n);
  }

  private RolloutState draft(String source, String prefix, int hosts) throws Exception {
    RolloutPolicy policy = PolicyReader.read(source);
    List<Host> fleet = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      fleet.add(
          new Host(
              prefix + i,
              prefix + i,
              22,
              Host.Transport.SIMULATED,
              Host.PackageFamily.APT,
              new TreeMap<>(Map.of("role", "storage")),
              Optional.empty(),
              Optional.empty()));
    }
    Instant now = Instant.now();
    return RolloutState.start(0, policy, WavePlanner.plan(policy, fleet, now), "test", now);
  }

  private Object one(String sql, Object... args) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              var q = em.createNativeQuery(sql);
              for (int i = 0; i < args.length; i++) {
                q.setParameter(i + 1, args[i]);
              }
              return q.getSingleResult();
            });
  }

  private void exec(String sql, Object... args) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              var q = em.createNativeQuery(sql);
              for (int i = 0; i < args.length; i++) {
                q.setParameter(i + 1, args[i]);
              }
              q.executeUpdate();
            });
  }

  @Test
  void aDecisionWritesTheHostsItChangedAndTheDocumentStaysSmall() throws Exception {
    int n = COUNT.incrementAndGet();
    RolloutState created =
        store.create(draft(source(n), "st-" + n + "-", 300), source(n), List.of());
    long id = created.id();
    assertThat(
            ((Number) one("SELECT COUNT(*) FROM rollout_host WHERE rollout_id = ?", id)).intValue())
        .isEqualTo(300);

    // a mark on a host row the next decision does not change: it must survive the save
    String untouched = "st-" + n + "-5";
    exec("UPDATE rollout_host SET phase = 'MARK' WHERE rollout_id = ? AND host = ?", id, untouched);

    var fence = store.acquire(id, "storage-test", Duration.ofMinutes(5)).orElseThrow();
    var loaded = store.load(id).orElseThrow();
    // the patch set is frozen: the canary starts, and only the canary changes
    var decided =
        RolloutMachine.decide(
            loaded.state(),
            new Observations(
                List.of(
                    new Observation.PatchSetFrozen(
                        dev.patchwave.patch.PatchSet.of(
                            List.of(new dev.patchwave.patch.PackageVersion("openssl", "3.0.1"))),
                        "",
                        Optional.empty(),
                        Map.of())),
                java.util.Set.of(),
                false,
                dev.patchwave.rollout.FleetLoad.NONE,
                Duration.ofSeconds(2)),
            Instant.now());
    List<HostState> changed = decided.state().changedSince(loaded.state());
    assertThat(changed).hasSize(1);
    assertThat(changed.get(0).phase()).isEqualTo(HostPhase.PREPARING);
    long version =
        store.save(
            loaded.state(), decided.state(), decided.events(), fence, loaded.version(), List.of());

    assertThat(
            one("SELECT phase FROM rollout_host WHERE rollout_id = ? AND host = ?", id, untouched))
        .isEqualTo("MARK");
    assertThat(
            one(
                "SELECT phase FROM rollout_host WHERE rollout_id = ? AND host = ?",
                id,
                changed.get(0).name()))
        .isEqualTo("PREPARING");
    String document =
        (String) one("SELECT CAST(state AS VARCHAR(1000000)) FROM rollout WHERE id = ?", id);
    assertThat(document.length()).isLessThan(2_000);
    assertThat(document).doesNotContain(untouched);

    // read back: the same rollout, waves with their hosts in plan order
    var back = store.load(id).orElseThrow();
    assertThat(back.version()).isEqualTo(version);
    assertThat(back.state().waves()).isEqualTo(decided.state().waves());
    assertThat(List.copyOf(back.state().hosts().keySet()))
        .isEqualTo(List.copyOf(decided.state().hosts().keySet()));
    assertThat(back.state().host(changed.get(0).name())).isEqualTo(changed.get(0));

    // the hosts, paged and filtered in the database; a prefix is a prefix, not a LIKE pattern
    assertThat(
            store.hosts(
                id,
                Optional.of(HostPhase.PREPARING),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                10))
        .extracting(h -> h.state().name())
        .containsExactly(changed.get(0).name());
    assertThat(
            store.hosts(
                id,
                Optional.empty(),
                Optional.empty(),
                Optional.of("st-" + n + "-29"),
                Optional.of("st-" + n + "-291"),
                100))
        .extracting(h -> h.state().name())
        .containsExactly(
            "st-" + n + "-292",
            "st-" + n + "-293",
            "st-" + n + "-294",
            "st-" + n + "-295",
            "st-" + n + "-296",
            "st-" + n + "-297",
            "st-" + n + "-298",
            "st-" + n + "-299");
    assertThat(
            store.hosts(
                id,
                Optional.empty(),
                Optional.empty(),
                Optional.of("st_" + n),
                Optional.empty(),
                10))
        .isEmpty();

    // a save without a state to compare with writes every host again
    store.save(decided.state(), List.of(), fence, version, List.of());
    assertThat(
            one("SELECT phase FROM rollout_host WHERE rollout_id = ? AND host = ?", id, untouched))
        .isEqualTo("PENDING");
    store.release(fence);
  }

  @Test
  void aPolicyTextIsStoredOnceHoweverManyRolloutsRunIt() throws Exception {
    int n = COUNT.incrementAndGet();
    String text = source(n);
    RolloutState first = store.create(draft(text, "once-a-" + n + "-", 2), text, List.of());
    var fence = store.acquire(first.id(), "storage-test", Duration.ofMinutes(5)).orElseThrow();
    // the first one ends, so the policy may run again
    RolloutState ended =
        new RolloutState(
            first.id(),
            first.policy(),
            first.startedBy(),
            first.startedAt(),
            dev.patchwave.rollout.RolloutPhase.ABORTED,
            dev.patchwave.rollout.Reason.ABORTED_BY_USER,
            "",
            Optional.empty(),
            first.patchSet(),
            first.wave(),
            first.waves(),
            first.hosts(),
            first.scope());
    store.save(
        first, ended, List.of(), fence, store.load(first.id()).orElseThrow().version(), List.of());
    RolloutState second = store.create(draft(text, "once-b-" + n + "-", 2), text, List.of());

    assertThat(
            ((Number)
                    one(
                        "SELECT COUNT(*) FROM policy_text WHERE digest = ?",
                        PolicyTexts.digest(text)))
                .intValue())
        .isEqualTo(1);
    assertThat(one("SELECT policy_text_id FROM rollout WHERE id = ?", first.id()))
        .isEqualTo(one("SELECT policy_text_id FROM rollout WHERE id = ?", second.id()));
    assertThat(store.load(second.id()).orElseThrow().state().policy().name())
        .isEqualTo("storage-test-" + n);
  }

  /** Inserts rollout {@code draft} as V9 stored it: the policy text in the row, hosts inside. */
  private long insertAsBeforeV10(String policyName, String text, RolloutState draft)
      throws Exception {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("startedBy", draft.startedBy());
    document.put("startedAt", draft.startedAt());
    document.put("phase", draft.phase());
    document.put("reason", draft.reason());
    document.put("detail", draft.detail());
    document.put("resumeTo", Optional.empty());
    document.put("patchSet", Optional.empty());
    document.put("wave", 0);
    document.put("waves", draft.waves());
    document.put("hosts", new LinkedHashMap<>(draft.hosts()));
    exec(
        "INSERT INTO rollout (policy_name, policy_source, phase, running_policy, reason, detail,"
            + " wave, started_by, started_at, updated_at, phase_since, state, version)"
            + " VALUES (?, ?, 'PENDING', ?, 'STARTED', '', 0, 'test', CURRENT_TIMESTAMP,"
            + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, ?, 0)",
        policyName,
        text,
        policyName,
        json.writeValueAsString(document));
    return ((Number) one("SELECT id FROM rollout WHERE policy_name = ?", policyName)).longValue();
  }

  @Test
  void aRolloutStoredByThePreviousVersionIsReadAndMovedToRowsOnItsFirstSave() throws Exception {
    int n = COUNT.incrementAndGet();
    String text = source(n);
    RolloutState draft = draft(text, "legacy-" + n + "-", 3);
    long id = insertAsBeforeV10("storage-test-" + n, text, draft);

    var loaded = store.load(id).orElseThrow();
    assertThat(loaded.state().waves()).isEqualTo(draft.waves());
    assertThat(loaded.state().hosts()).isEqualTo(draft.hosts());
    assertThat(loaded.state().scope()).isEqualTo(draft.scope());
    assertThat(store.summary(id).orElseThrow().counts())
        .isEqualTo(Map.of(0, Map.of(HostPhase.PENDING, 1), 1, Map.of(HostPhase.PENDING, 2)));

    var fence = store.acquire(id, "storage-test", Duration.ofMinutes(5)).orElseThrow();
    // an ordinary save (compared with the state as loaded) still writes every host: there are no
    // rows yet
    store.save(loaded.state(), loaded.state(), List.of(), fence, loaded.version(), List.of());
    assertThat(
            ((Number) one("SELECT COUNT(*) FROM rollout_host WHERE rollout_id = ?", id)).intValue())
        .isEqualTo(3);
    assertThat(one("SELECT policy_source FROM rollout WHERE id = ?", id)).isNull();
    var again = store.load(id).orElseThrow();
    assertThat(again.state().waves()).isEqualTo(draft.waves());
    assertThat(again.state().hosts()).isEqualTo(draft.hosts());
    store.release(fence);
  }

  @Test
  void atStartEveryRolloutStoredByThePreviousVersionIsMovedToRows() throws Exception {
    int n = COUNT.incrementAndGet();
    String text = source(n);
    RolloutState draft = draft(text, "moved-" + n + "-", 4);
    long id = insertAsBeforeV10("storage-test-" + n, text, draft);

    assertThat(store.upgradeStored()).isGreaterThanOrEqualTo(1);
    assertThat(store.upgradeStored()).isZero();
    assertThat(one("SELECT policy_source FROM rollout WHERE id = ?", id)).isNull();
    assertThat(
            store
                .hosts(id, Optional.empty(), Optional.of(1), Optional.empty(), Optional.empty(), 10)
                .stream()
                .map(h -> h.state().name())
                .toList())
        .isEqualTo(draft.waves().get(1).hosts().stream().sorted().toList());
    assertThat(store.load(id).orElseThrow().state().hosts()).isEqualTo(draft.hosts());
  }
}
