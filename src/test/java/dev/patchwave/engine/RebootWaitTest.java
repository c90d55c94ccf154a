package dev.patchwave.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.testing.RolloutApi;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Waiting holds no thread: 200 hosts rebooting at once (each takes 30 s to come back) with 16
 * workers do not delay another rollout's soak re-checks by more than its interval plus 2 s. Before,
 * each reboot held a worker while it waited, and the re-checks queued behind them.
 */
@QuarkusTest
@TestProfile(RebootWaitTest.BulkFleet.class)
class RebootWaitTest {

  static final int BULK = 200;

  public static class BulkFleet implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.datasource.jdbc.url", "jdbc:h2:mem:reboot-wait;DB_CLOSE_DELAY=-1",
          "patchwave.inventory.file", inventory().toString(),
          "patchwave.workers", "16",
          "patchwave.simulation.boot-time", "30s",
          "patchwave.reboot.poll-interval", "1s");
    }
  }

  /** 200 bulk hosts and one that soaks, all with a pending openssl. */
  static Path inventory() {
    StringBuilder yaml =
        new StringBuilder("apiVersion: patchwave.dev/v1\nkind: Inventory\nhosts:\n");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < BULK; i++) {
      names.add(String.format("bulk-%03d", i));
    }
    names.add("soaker");
    for (String n : names) {
      yaml.append("  - name: ")
          .append(n)
          .append("\n    transport: simulated\n    labels: {role: ")
          .append(n.startsWith("bulk") ? "bulk" : "soak")
          .append(", os-release: \"24.04\"}\n")
          .append("    simulation:\n")
          .append("      installed: {openssl: \"3.0.13-0ubuntu3.4\"}\n")
          .append("      available: {openssl: \"3.0.13-0ubuntu3.5\"}\n");
    }
    try {
      Path file = Files.createTempFile("patchwave-bulk", ".yaml");
      Files.writeString(file, yaml);
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Inject SimulatedHostExecutor simulated;
  @Inject dev.patchwave.inventory.HostSource hosts;

  @BeforeAll
  static void asAdmin() {
    TestTokens.actAsAdmin();
  }

  @Test
  void twoHundredRebootsDoNotDelayAnotherRolloutsSoakChecks() {
    RolloutApi.putPolicy(
        "bulk",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy", "metadata": {"name": "bulk"},
         "spec": {"selector": {"matchLabels": {"role": "bulk"}},
                  "packages": {"include": ["openssl"]}, "reboot": "always",
                  "disruption": {"maxUnavailable": 200},
                  "waves": [{"size": "100%"}],
                  "health": {"interval": "5s", "timeout": "5m"}}}
        """);
    RolloutApi.putPolicy(
        "soak",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy", "metadata": {"name": "soak"},
         "spec": {"selector": {"matchLabels": {"role": "soak"}},
                  "packages": {"include": ["openssl"]}, "reboot": "never",
                  "waves": [{"size": "100%", "soak": "2m"}],
                  "health": {"interval": "5s", "timeout": "1m"}}}
        """);
    long bulk = RolloutApi.start("bulk");
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> booting(bulk) >= BULK * 3 / 4);

    long soak = RolloutApi.start("soak");
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> RolloutApi.phase(soak).equals("SOAKING"));
    EmulatedHost soaker =
        simulated.emulated(
            hosts.hosts().stream()
                .filter(h -> h.name().equals("soaker"))
                .findFirst()
                .orElseThrow());
    Instant from = Instant.now();
    // watch the soak for 20 s, while the bulk hosts are still coming back
    await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(21)).until(() -> true);
    assertThat(booting(bulk)).as("bulk hosts still rebooting").isGreaterThan(BULK / 2);

    List<Instant> checks =
        soaker.received().stream()
            .filter(r -> !r.at().isBefore(from))
            .map(EmulatedHost.Received::at)
            .toList();
    assertThat(checks).as("the soaking host was checked").isNotEmpty();
    List<Instant> marks = new ArrayList<>();
    marks.add(from);
    marks.addAll(checks);
    marks.add(Instant.now());
    long longest = 0;
    for (int i = 1; i < marks.size(); i++) {
      longest = Math.max(longest, Duration.between(marks.get(i - 1), marks.get(i)).toMillis());
    }
    System.out.printf(
        "soak re-check: longest gap %d ms over %d commands%n", longest, checks.size());
    assertThat(longest).as("longest gap between soak checks, ms").isLessThanOrEqualTo(7_000);
  }

  static long booting(long id) {
    Map<String, Integer> hosts =
        given()
            .get("/api/v1/rollouts/" + id)
            .jsonPath()
            .getMap("hosts", String.class, Integer.class);
    return hosts.getOrDefault("BOOTING", 0) + hosts.getOrDefault("REBOOTING", 0);
  }
}
