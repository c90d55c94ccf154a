package dev.patchwave.kube;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.testing.KubeFleet;
import dev.patchwave.testing.RolloutJson;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A rollout over Kubernetes nodes: each node is drained (pods evicted, DaemonSet pods left) before
 * it is patched, uncordoned once healthy and Ready, a node cordoned by an operator stays cordoned,
 * and a node deleted mid-rollout is skipped.
 */
@QuarkusTest
@TestProfile(KubernetesNodesRolloutTest.Cluster.class)
class KubernetesNodesRolloutTest {

  public static class Cluster implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(KubeFleet.class));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("patchwave.inventory.file", "");
    }
  }

  static final String POLICY =
      """
      {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy", "metadata": {"name": "workers"},
       "spec": {"selector": {"matchExpressions": [
                   {"key": "node-role.kubernetes.io/worker", "operator": "Exists"}]},
                "packages": {"origin": "security", "include": ["linux-*"]},
                "disruption": {"groupBy": ["topology.kubernetes.io/zone"],
                               "maxUnavailablePerGroup": 1, "maxUnavailable": 1},
                "waves": [{"name": "canary", "size": 1, "soak": "2s"}, {"size": "100%"}],
                "health": {"interval": "5s", "timeout": "30s",
                           "checks": [{"builtin": "reachable"}, {"builtin": "boot-id-changed"},
                                      {"builtin": "expected-kernel"}, {"builtin": "node-ready"},
                                      {"nodeCondition": {"type": "DiskPressure", "status": "False"}}]},
                "kubernetes": {"drain": true, "drainTimeout": "30s"}}}
      """;

  @BeforeAll
  static void admin() {
    TestTokens.actAsAdmin();
  }

  boolean unschedulable(String node) {
    return Boolean.TRUE.equals(
        KubeFleet.client.nodes().withName(node).get().getSpec().getUnschedulable());
  }

  @Test
  void nodesAreDrainedPatchedAndUncordonedAndAnOperatorsCordonStays() {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> given().get("/api/v1/hosts").jsonPath().getList("name").size() == 4);
    JsonPath hosts = given().get("/api/v1/hosts").jsonPath();
    assertThat(hosts.getList("kubernetesNode"))
        .containsExactly("node-1", "node-2", "node-3", "node-4");

    given()
        .contentType(ContentType.JSON)
        .body(POLICY)
        .put("/api/v1/policies/workers")
        .then()
        .statusCode(201);
    long id =
        given()
            .contentType(ContentType.JSON)
            .body("{\"policy\": \"workers\"}")
            .post("/api/v1/rollouts")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath()
            .getLong("id");
    String canary = rollout(id).getString("waves[0].hosts[0]");
    // a node leaves the cluster while the canary runs: it is skipped, not retried forever
    String leaving =
        List.of("node-1", "node-2", "node-3").stream()
            .filter(n -> !n.equals(canary))
            .findFirst()
            .orElseThrow();
    KubeFleet.client.nodes().withName(leaving).delete();

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> rollout(id).getString("phase"),
            p -> p.equals("COMPLETED") || p.equals("HALTED") || p.equals("PAUSED"));
    JsonPath done = rollout(id);
    assertThat(done.getString("phase")).as(done.prettify()).isEqualTo("COMPLETED");
    assertThat(done.getString("hosts.find { it.name == '" + leaving + "' }.phase"))
        .isEqualTo("SKIPPED");
    assertThat(done.getString("hosts.find { it.name == '" + leaving + "' }.reason"))
        .isEqualTo("HOST_GONE");

    List<String> patched =
        List.of("node-1", "node-2", "node-3", "node-4").stream()
            .filter(n -> !n.equals(leaving))
            .toList();
    for (String n : patched) {
      assertThat(done.getString("hosts.find { it.name == '" + n + "' }.phase"))
          .isEqualTo("HEALTHY");
      assertThat(KubeFleet.SERVERS.get(n).host().installed())
          .containsEntry("linux-image-generic", "6.8.0-50.50");
      String i = n.substring(n.indexOf('-') + 1);
      assertThat(KubeFleet.EVICTED)
          .contains("shop/web-" + i)
          .doesNotContain("kube-system/node-exporter-" + i);
    }
    // the ones Patchwave cordoned are schedulable again; the operator's cordon stays
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (String n : patched) {
                if (!n.equals("node-4")) {
                  assertThat(unschedulable(n)).as(n).isFalse();
                  assertThat(
                          KubeFleet.client.nodes().withName(n).get().getMetadata().getAnnotations())
                      .doesNotContainKey(NodeDrainer.CORDONED_BY);
                }
              }
            });
    assertThat(unschedulable("node-4")).isTrue();

    // every install came after that node's drain, on record
    List<Map<String, Object>> audit =
        given().get("/api/v1/audit?actor=controller&limit=1000").jsonPath().getList("$");
    for (String n : patched) {
      List<String> actions =
          audit.stream()
              .filter(a -> n.equals(a.get("target")))
              .sorted(
                  (a, b) ->
                      Long.compare(
                          ((Number) a.get("id")).longValue(), ((Number) b.get("id")).longValue()))
              .map(a -> (String) a.get("action"))
              .filter(
                  a ->
                      List.of("host.drain", "host.install", "host.reboot", "host.uncordon")
                          .contains(a))
              .toList();
      List<String> expected =
          n.equals("node-4")
              ? List.of("host.drain", "host.install", "host.reboot")
              : List.of("host.drain", "host.install", "host.reboot", "host.uncordon");
      assertThat(actions).as(n).startsWith(expected.toArray(String[]::new));
    }
  }

  static JsonPath rollout(long id) {
    return RolloutJson.of(id);
  }
}
