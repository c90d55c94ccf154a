package dev.patchwave.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.inventory.Host;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Event;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutPhase;
import dev.patchwave.rollout.RolloutState;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollout lease and its fencing token, on a real database: a second instance cannot take a
 * rollout while the first holds it, and once it has, nothing the first decided can be saved.
 */
abstract class AbstractRolloutLeaseTest {

  static final Duration LONG = Duration.ofMinutes(5);

  @Inject RolloutStore store;

  RolloutState rollout;

  /** Each test's rollout has its own policy and host: unfinished ones own theirs. */
  static final java.util.concurrent.atomic.AtomicInteger COUNT =
      new java.util.concurrent.atomic.AtomicInteger();

  @BeforeEach
  void aRolloutNobodyRuns() throws Exception {
    int n = COUNT.incrementAndGet();
    String source =
        """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: lease-test-%d}
            spec:
              selector: {matchLabels: {role: web}}
              waves: [{size: 100%%}]
            """
            .formatted(n);
    RolloutPolicy policy = PolicyReader.read(source);
    List<Host> hosts =
        List.of(
            new Host(
                "lease-web-" + n,
                "lease-web-" + n,
                22,
                Host.Transport.SIMULATED,
                Host.PackageFamily.APT,
                new TreeMap<>(Map.of("role", "web")),
                Optional.empty(),
                Optional.empty()));
    Instant now = Instant.now();
    rollout =
        store.create(
            RolloutState.start(0, policy, WavePlanner.plan(policy, hosts, now), "test", now),
            source,
            List.of());
  }

  /** The test's rollout, moved to {@code phase}. */
  RolloutState inPhase(RolloutPhase phase, Reason why, String detail) {
    return new RolloutState(
        rollout.id(),
        rollout.policy(),
        rollout.startedBy(),
        rollout.startedAt(),
        phase,
        why,
        detail,
        Optional.empty(),
        rollout.patchSet(),
        rollout.wave(),
        rollout.waves(),
        rollout.hosts(),
        rollout.scope());
  }

  @Test
  void aHeldLeaseIsRefusedToAnotherInstance() {
    var a = store.acquire(rollout.id(), "instance-a", LONG);
    assertThat(a).isPresent();
    assertThat(store.acquire(rollout.id(), "instance-b", LONG)).isEmpty();
    // renewing keeps the token: the same tenure
    assertThat(store.acquire(rollout.id(), "instance-a", LONG)).contains(a.get());
    assertThat(store.isValid(a.get())).isTrue();
  }

  @Test
  void aTakeOverFencesTheOldHolderOut() throws Exception {
    // a lease that ran out already: instance-a was paused past it (no need to wait for that)
    var a = store.acquire(rollout.id(), "instance-a", Duration.ofMillis(-1)).orElseThrow();
    long version = store.load(rollout.id()).orElseThrow().version();

    var b = store.acquire(rollout.id(), "instance-b", LONG).orElseThrow();
    assertThat(b.token()).isGreaterThan(a.token());
    assertThat(store.isValid(a)).isFalse();
    assertThat(store.isValid(b)).isTrue();

    // instance-a wakes up and tries to save what it decided: refused, nothing written
    RolloutState aborted = inPhase(RolloutPhase.ABORTED, Reason.ABORTED_BY_USER, "stale");
    Event stale =
        new Event(
            Instant.now(),
            Reason.ABORTED_BY_USER,
            Optional.empty(),
            Optional.empty(),
            "instance-a",
            "stale");
    assertThatThrownBy(() -> store.save(aborted, List.of(stale), a, version, List.of()))
        .isInstanceOf(RolloutStore.LostLease.class);
    assertThat(store.load(rollout.id()).orElseThrow().state().phase()).isEqualTo(rollout.phase());
    assertThat(store.events(rollout.id(), 0, 100)).isEmpty();

    // the new holder can; an old version cannot be saved twice
    long saved = store.save(aborted, List.of(stale), b, version, List.of());
    assertThat(saved).isGreaterThan(version);
    assertThatThrownBy(() -> store.save(aborted, List.of(), b, version, List.of()))
        .isInstanceOf(RolloutStore.LostLease.class);
    assertThat(store.events(rollout.id(), 0, 100)).hasSize(1);
  }

  @Test
  void aSaveExtendsTheLeaseItHolds() {
    var a = store.acquire(rollout.id(), "instance-a", LONG).orElseThrow();
    long version = store.load(rollout.id()).orElseThrow().version();
    // the lease runs out (a renewal that set it to now, a long pause): free for the taking ...
    store.acquire(rollout.id(), "instance-a", Duration.ofMillis(-1)).orElseThrow();
    // ... unless the holder saves: that extends the lease by its length
    store.save(rollout, List.of(), a, version, List.of());
    assertThat(store.isValid(a)).isTrue();
    assertThat(store.acquire(rollout.id(), "instance-b", LONG)).isEmpty();
  }

  @Test
  void aStepMayActOnlyUnderTheLeaseAndWhileTheRolloutIsNotStopped() {
    var a = store.acquire(rollout.id(), "instance-a", LONG).orElseThrow();
    assertThat(store.mayAct(a)).isTrue();
    long version = store.load(rollout.id()).orElseThrow().version();
    RolloutState halted = inPhase(RolloutPhase.HALTED, Reason.TOO_MANY_FAILURES, "halted");
    store.save(halted, List.of(), a, version, List.of());
    assertThat(store.isValid(a)).isTrue();
    assertThat(store.mayAct(a)).isFalse();

    var expired = store.acquire(rollout.id(), "instance-a", Duration.ofMillis(-1)).orElseThrow();
    var b = store.acquire(rollout.id(), "instance-b", LONG).orElseThrow();
    assertThat(store.mayAct(expired)).isFalse();
    assertThat(b.token()).isGreaterThan(a.token());
  }

  @Test
  void aReleasedLeaseIsFreeAtOnce() {
    var a = store.acquire(rollout.id(), "instance-a", LONG).orElseThrow();
    store.release(a);
    assertThat(store.isValid(a)).isFalse();
    assertThat(store.acquire(rollout.id(), "instance-b", LONG)).isPresent();
  }
}
