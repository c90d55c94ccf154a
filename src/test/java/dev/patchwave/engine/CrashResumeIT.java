package dev.patchwave.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.testing.EmulatedSshServer;
import dev.patchwave.testing.NodeFleet;
import dev.patchwave.testing.RolloutJson;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the real controller (the production jar, {@code kill -9}) in the middle of a wave, while a
 * host is being patched or rebooted, and again during a soak; starts it again on the same database.
 * The rollout must finish, and no host may have installed or rebooted twice.
 */
class CrashResumeIT {

  @TempDir Path dir;
  final List<EmulatedSshServer> servers = new ArrayList<>();
  Process controller;
  int port;

  @AfterEach
  void stop() throws Exception {
    if (controller != null) {
      controller.destroyForcibly().waitFor();
    }
    for (EmulatedSshServer s : servers) {
      s.close();
    }
  }

  @Test
  void aControllerKilledMidWaveAndMidSoakResumesWithoutRepeatingAHostStep() throws Exception {
    servers.addAll(NodeFleet.start(dir, 6, Duration.ofSeconds(3)));
    Files.createDirectories(dir.resolve("policies"));
    Files.writeString(
        dir.resolve("policies/nodes.yaml"),
        """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: nodes}
        spec:
          selector: {}
          disruption: {groupBy: [zone], maxUnavailablePerGroup: 1, maxUnavailable: 2}
          waves:
            - {name: canary, size: 2, soak: 8s}
            - {name: rest, size: 100%}
          health: {interval: 5s, timeout: 1m}
        """);

    startController();
    long id =
        given()
            .port(port)
            .auth()
            .oauth2(adminToken())
            .contentType(ContentType.JSON)
            .body("{\"policy\": \"nodes\"}")
            .post("/api/v1/rollouts")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath()
            .getLong("id");
    // issue 11, finding 10: the controller listens on its HTTP port and nowhere else (the
    // transaction manager's process id used to hold a loopback socket nobody answered)
    assertThat(dev.patchwave.testing.Listeners.of(controller.pid())).containsExactly(port);

    // 1. kill while a host is patching or rebooting
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                hostPhases(id).stream()
                    .anyMatch(p -> p.equals("REBOOTING") || p.equals("PATCHING")));
    killController();
    startController();

    // 2. kill during the canary's soak (on a loaded machine the first kill may have landed after
    // the canary's soak began; then the second lands later in the rollout, which resumes as well)
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              var r = rollout(id);
              return r.getString("phase").equals("SOAKING")
                  || r.getString("waves[0].soakStartedAt") != null;
            });
    killController();
    startController();

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> rollout(id).getString("phase"),
            p -> p.equals("COMPLETED") || p.equals("HALTED") || p.equals("PAUSED"));
    assertThat(rollout(id).getString("phase")).isEqualTo("COMPLETED");

    for (EmulatedSshServer s : servers) {
      EmulatedHost h = s.host();
      long installs =
          h.received().stream().filter(r -> r.mutating() && r.argv().contains("install")).count();
      assertThat(installs).as("installs on %s", h.name()).isEqualTo(1);
      assertThat(h.reboots()).as("reboots of %s", h.name()).isEqualTo(1);
      assertThat(h.installed()).containsEntry("linux-image-generic", NodeFleet.GOOD_KERNEL);
      assertThat(h.runningKernel()).isEqualTo("6.8.0-50-generic");
    }
  }

  /** The first start of the production jar wrote the admin token under its data directory. */
  String adminToken() {
    Path file = dir.resolve("data").resolve("admin-token");
    try {
      assertThat(java.nio.file.Files.getPosixFilePermissions(file))
          .containsExactlyInAnyOrder(
              java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
      return java.nio.file.Files.readString(file).trim();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  JsonPath rollout(long id) {
    return RolloutJson.of(() -> given().port(port).auth().oauth2(adminToken()), id);
  }

  List<String> hostPhases(long id) {
    return rollout(id).getList("hosts.phase", String.class);
  }

  void startController() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    controller =
        new ProcessBuilder(
                java,
                "-Dquarkus.http.port=" + port,
                "-Dpatchwave.data-dir=" + dir.resolve("data"),
                "-Dpatchwave.inventory.file=" + dir.resolve("inventory.yaml"),
                "-Dpatchwave.policies.dir=" + dir.resolve("policies"),
                "-Dpatchwave.ssh.private-key-file=" + dir.resolve("id_ecdsa"),
                "-Dpatchwave.ssh.known-hosts-file=" + dir.resolve("known_hosts"),
                "-Dpatchwave.ssh.connect-timeout=2s",
                // the test's own guardrails: a canary that soaks seconds, its fleet all selected
                "-Dpatchwave.guardrails.first-wave.min-soak=1s",
                "-Dpatchwave.guardrails.first-wave.max-size=100%",
                "-Dpatchwave.guardrails.max-in-flight-percent=100",
                "-Dpatchwave.guardrails.select-all=true",
                "-Dpatchwave.reboot.poll-interval=200ms",
                "-Dpatchwave.lease.ttl=3s",
                "-jar",
                System.getProperty("patchwave.jar", "target/quarkus-app/quarkus-run.jar"))
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(
                    Path.of("target", "crash-resume-controller.log").toFile()))
            .start();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> given().port(port).get("/q/health/ready").statusCode() == 200);
  }

  void killController() throws InterruptedException {
    controller.destroyForcibly().waitFor();
    controller = null;
  }
}
