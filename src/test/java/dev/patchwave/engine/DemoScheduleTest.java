package dev.patchwave.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.FleetEvents;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.testing.TestClock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The README's schedule, end to end on the bundled demo fleet with the shipped policies: the first
 * scans adopt the web hosts that run unattended-upgrades, the demo-web schedule takes nothing while
 * the openssl fixes are younger than its minPackageAge, and once they are old enough it rolls them
 * out by itself, and only them, to every web host.
 */
@QuarkusTest
@TestProfile(DemoScheduleTest.Demo.class)
class DemoScheduleTest {

  public static class Demo implements QuarkusTestProfile {
    @Override
    public Set<Class<?>> getEnabledAlternatives() {
      return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.datasource.jdbc.url", "jdbc:h2:mem:demo-schedule;DB_CLOSE_DELAY=-1",
          "patchwave.simulation.boot-time", "200ms");
    }
  }

  @Inject FleetScans scans;
  @Inject ScheduledRollouts schedules;
  @Inject HostSource inventory;
  @Inject SimulatedHostExecutor simulated;
  @Inject RolloutStore rollouts;
  @Inject RolloutEngine engine;
  @Inject FleetEvents events;

  @Test
  void theDemoPolicyRollsOutOpensslByItselfOnceItIsOldEnough() {
    TestClock.CLOCK.set(Instant.now());
    List<Host> web =
        inventory.hosts().stream().filter(h -> "web".equals(h.labels().get("role"))).toList();
    assertThat(web).hasSize(10);
    Map<String, FleetScans.Outcome> first =
        scans.scanNow(inventory.hosts().stream().map(Host::name).toList());
    assertThat(first.values()).allMatch(FleetScans.Outcome.Scanned.class::isInstance);
    // the two web hosts that ran unattended-upgrades are adopted by demo-web (adopt: true)
    assertThat(events.list(Optional.of(FleetEvent.Kind.ADOPTED), Optional.empty(), 0, 100))
        .extracting(e -> e.host().orElseThrow())
        .containsExactlyInAnyOrder("web-02", "web-07");
    assertThat(simulated.existing("web-02").orElseThrow().adopted()).isTrue();

    assertThat(schedules.fire("demo-web")).isEmpty();

    TestClock.CLOCK.advance(Duration.ofMinutes(2));
    RolloutState started = schedules.fire("demo-web").orElseThrow();
    assertThat(started.startedBy()).isEqualTo(ScheduledRollouts.ACTOR);
    assertThat(started.scope().versions().orElseThrow())
        .containsExactlyInAnyOrder(
            new PackageVersion("openssl", "3.0.13-0ubuntu3.5"),
            new PackageVersion("openssl", "3.0.2-0ubuntu1.19"));
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              TestClock.CLOCK.advance(Duration.ofSeconds(2));
              engine.reconcileLater(started.id());
              return rollouts.load(started.id()).orElseThrow().state().phase().isTerminal();
            });
    RolloutState done = rollouts.load(started.id()).orElseThrow().state();
    assertThat(done.phase().name()).isEqualTo("COMPLETED");
    for (Host h : web) {
      var e = simulated.existing(h.name()).orElseThrow();
      assertThat(e.installed().get("openssl"))
          .as(h.name())
          .isIn("3.0.13-0ubuntu3.5", "3.0.2-0ubuntu1.19");
      assertThat(e.installed().get("linux-image-generic"))
          .as("no kernel: the policy takes openssl only")
          .isIn("6.8.0-48.48", "5.15.0.125.123");
    }
  }
}
