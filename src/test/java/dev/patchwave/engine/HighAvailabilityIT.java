package dev.patchwave.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.testing.EmulatedSshServer;
import dev.patchwave.testing.MockKubernetes;
import dev.patchwave.testing.NodeFleet;
import dev.patchwave.testing.RolloutJson;
import dev.patchwave.testing.TestTokens;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two controllers (the PostgreSQL production build) against one PostgreSQL and one Kubernetes API
 * (the Fabric8 mock server, for the leader Lease): the follower passes commands to the leader; when
 * the leader is killed ({@code kill -9}) mid-wave, the other takes over within 20 seconds, and no
 * host step runs twice.
 */
class HighAvailabilityIT {

  @TempDir Path dir;
  final List<EmulatedSshServer> servers = new ArrayList<>();
  final Map<String, Process> controllers = new LinkedHashMap<>();
  final Map<String, Integer> ports = new HashMap<>();
  EmbeddedPostgres pg;
  KubernetesMockServer kube;
  KubernetesClient client;

  @AfterEach
  void stop() throws Exception {
    for (Process p : controllers.values()) {
      p.destroyForcibly().waitFor();
    }
    for (EmulatedSshServer s : servers) {
      s.close();
    }
    if (client != null) {
      client.close();
      kube.destroy();
    }
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void theFollowerTakesOverWithinTwentySecondsAndNoHostStepRunsTwice() throws Exception {
    pg = EmbeddedPostgres.builder().start();
    kube = MockKubernetes.crud();
    client = kube.createClient();
    fleet();

    start("controller-a");
    await().atMost(Duration.ofSeconds(60)).until(() -> "controller-a".equals(leader()));
    start("controller-b");

    // the follower takes the rollout and the commands, the leader runs them
    long id =
        api("controller-b")
            .contentType(ContentType.JSON)
            .body("{\"policy\": \"nodes\"}")
            .post("/api/v1/rollouts")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath()
            .getLong("id");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> rollout(id).getInt("wave") == 1 && busy(id));
    JsonPath paused =
        api("controller-b")
            .post("/api/v1/rollouts/" + id + "/pause")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(paused.getString("phase")).isEqualTo("PAUSED");
    assertThat(holder(id)).isEqualTo("controller-a");
    api("controller-b").post("/api/v1/rollouts/" + id + "/resume").then().statusCode(200);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> busy(id));

    // the leader dies mid-wave
    long killedAt = System.nanoTime();
    controllers.get("controller-a").destroyForcibly().waitFor();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> "controller-b".equals(holder(id)));
    Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
    System.out.println("takeover_ms=" + takeover.toMillis());
    assertThat(takeover).isLessThan(Duration.ofSeconds(20));
    assertThat(leader()).isEqualTo("controller-b");

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> rollout(id).getString("phase"),
            p -> !p.equals("RUNNING") && !p.equals("SOAKING") && !p.equals("PENDING"));
    assertThat(rollout(id).getString("phase")).isEqualTo("COMPLETED");
    for (EmulatedSshServer s : servers) {
      EmulatedHost h = s.host();
      long installs =
          h.received().stream().filter(r -> r.mutating() && r.argv().contains("install")).count();
      assertThat(installs).as("installs on %s", h.name()).isEqualTo(1);
      assertThat(h.reboots()).as("reboots of %s", h.name()).isEqualTo(1);
    }
  }

  boolean busy(long id) {
    return rollout(id).getList("hosts.phase", String.class).stream()
        .anyMatch(p -> p.equals("PATCHING") || p.equals("REBOOTING") || p.equals("PREPARING"));
  }

  String leader() {
    Lease l = client.leases().inNamespace("patchwave").withName("patchwave-leader").get();
    return l == null ? null : l.getSpec().getHolderIdentity();
  }

  String holder(long id) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        PreparedStatement s =
            c.prepareStatement(
                "select holder from rollout_lease where rollout_id = ? and expires_at > now()")) {
      s.setLong(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  io.restassured.specification.RequestSpecification api(String instance) {
    return given().port(ports.get(instance)).auth().oauth2(TestTokens.ADMIN);
  }

  JsonPath rollout(long id) {
    String any =
        controllers.keySet().stream()
            .filter(k -> controllers.get(k).isAlive())
            .findFirst()
            .orElseThrow();
    return RolloutJson.of(() -> api(any), id);
  }

  void fleet() throws Exception {
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
          disruption: {groupBy: [zone], maxUnavailablePerGroup: 1, maxUnavailable: 1}
          waves:
            - {name: canary, size: 1, soak: 3s}
            - {name: rest, size: 100%}
          health: {interval: 5s, timeout: 1m}
        """);
    Files.copy(Path.of("src/test/resources/test-api-tokens.yaml"), dir.resolve("api-tokens.yaml"));
  }

  void start(String instance) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ports.put(instance, port);
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(
                java,
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.datasource.jdbc.url=" + pg.getJdbcUrl("postgres", "postgres"),
                "-Dquarkus.datasource.username=postgres",
                "-Dquarkus.datasource.password=postgres",
                "-Dpatchwave.instance-id=" + instance,
                "-Dpatchwave.data-dir=" + dir.resolve("data-" + instance),
                "-Dpatchwave.auth.tokens-file=" + dir.resolve("api-tokens.yaml"),
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
                "-Dpatchwave.leader-election.enabled=true",
                "-Dpatchwave.namespace=patchwave",
                "-Dquarkus.kubernetes-client.api-server-url=" + kube.url("/"),
                "-Dquarkus.kubernetes-client.trust-certs=true",
                "-jar",
                System.getProperty(
                    "patchwave.postgresql.jar", "target/quarkus-app-postgresql/quarkus-run.jar"))
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(
                    Path.of("target", "ha-" + instance + ".log").toFile()))
            .start();
    controllers.put(instance, p);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> given().port(port).get("/q/health/ready").statusCode() == 200);
  }
}
