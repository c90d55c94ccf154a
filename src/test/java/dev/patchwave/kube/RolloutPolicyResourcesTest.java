package dev.patchwave.kube;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.testing.MockKubernetes;
import dev.patchwave.testing.TestTokens;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Policies as {@code RolloutPolicy} resources, against the Fabric8 mock API server in CRUD mode: a
 * new resource waits for an approver like a new policy written through the API (the two-person rule
 * is on here), a tightening applies at once, an invalid one is reported in its status and an Event
 * and never applied, the API refuses to change what a resource manages, a resource cannot take over
 * a policy written elsewhere, and deleting the resource removes its policy.
 */
@QuarkusTest
@TestProfile(RolloutPolicyResourcesTest.Cluster.class)
class RolloutPolicyResourcesTest {

  /** The mock API server with the RolloutPolicy resource known. */
  public static class MockCluster implements QuarkusTestResourceLifecycleManager {
    static KubernetesMockServer server;
    static KubernetesClient client;

    @Override
    public Map<String, String> start() {
      server = MockKubernetes.crud();
      server.expectCustomResource(
          new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder()
              .withGroup("patchwave.dev")
              .withVersion("v1")
              .withKind("RolloutPolicy")
              .withPlural("rolloutpolicies")
              .withScope("Namespaced")
              .withStatusSubresource(true)
              .build());
      client = server.createClient();
      return Map.of(
          "quarkus.kubernetes-client.api-server-url", server.url("/"),
          "quarkus.kubernetes-client.trust-certs", "true",
          "quarkus.kubernetes-client.namespace", "patchwave");
    }

    @Override
    public void stop() {
      client.close();
      server.destroy();
    }
  }

  public static class Cluster implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(MockCluster.class));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "patchwave.kubernetes.policies", "true",
          "patchwave.kubernetes.policies-resync", "300ms",
          "patchwave.approval.policy-changes", "true",
          "quarkus.datasource.jdbc.url", "jdbc:h2:mem:policy-resources;DB_CLOSE_DELAY=-1");
    }
  }

  static String resource(String name, String soak) {
    return """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata:
          name: %s
          namespace: patchwave
          labels: {team: web}
        spec:
          selector: {matchLabels: {role: web}}
          packages: {origin: security, include: [openssl]}
          reboot: never
          disruption: {groupBy: [zone], maxUnavailablePerGroup: 1, maxUnavailable: 1}
          waves:
            - {name: canary, size: 1, soak: %s}
            - {size: 100%%}
          health: {interval: 5s, timeout: 10s}
        """
        .formatted(name, soak);
  }

  NonNamespaceOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      policies() {
    return MockCluster.client
        .genericKubernetesResources(PolicyResources.CONTEXT)
        .inNamespace("patchwave");
  }

  void apply(String yaml) {
    GenericKubernetesResource r =
        policies().load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).item();
    GenericKubernetesResource existing = policies().withName(r.getMetadata().getName()).get();
    if (existing == null) {
      policies().resource(r).create();
    } else {
      r.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      r.getMetadata().setGeneration(existing.getMetadata().getGeneration() + 1);
      r.getAdditionalProperties().put("status", existing.getAdditionalProperties().get("status"));
      policies().resource(r).update();
    }
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> status(String name) {
    GenericKubernetesResource r = policies().withName(name).get();
    Object s = r == null ? null : r.getAdditionalProperties().get("status");
    return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  Map<String, Object> statusOnce(String name, String phase) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> phase.equals(status(name).get("phase")));
    return status(name);
  }

  List<Event> events(String name, String reason) {
    return MockCluster.client.v1().events().inNamespace("patchwave").list().getItems().stream()
        .filter(e -> e.getInvolvedObject().getName().equals(name))
        .filter(e -> e.getReason().equals(reason))
        .toList();
  }

  @BeforeEach
  void admin() {
    TestTokens.actAsAdmin();
    RestAssured.config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT));
  }

  @Test
  void aResourceIsAPolicyUnderTheSameRulesAsTheApi() {
    // a new policy waits for an approver
    apply(resource("kube-web", "30m"));
    Map<String, Object> pending = statusOnce("kube-web", "AwaitingApproval");
    assertThat(pending.get("accepted")).isEqualTo(true);
    long revision = ((Number) pending.get("pendingRevision")).longValue();
    given().get("/api/v1/policies/kube-web").then().statusCode(404);
    assertThat(events("kube-web", "AwaitingApproval")).isNotEmpty();
    // the resource's change is proposed by the resource: an approver other than it approves
    given()
        .auth()
        .oauth2(TestTokens.APPROVER)
        .post("/api/v1/policies/kube-web/revisions/" + revision + "/approve")
        .then()
        .statusCode(200);
    Map<String, Object> applied = statusOnce("kube-web", "Applied");
    assertThat(((Number) applied.get("revision")).longValue()).isEqualTo(1);
    assertThat(applied).containsKey("pendingUpdates");
    assertThat(applied.get("pendingRevision")).isNull();
    assertThat(given().get("/api/v1/policies/kube-web").jsonPath().getString("origin"))
        .isEqualTo("kubernetes");
    // nothing changes: the status is not written again at each resync (300ms here)
    Object written = status("kube-web").get("updatedAt");
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> written.equals(status("kube-web").get("updatedAt")));

    // a tightening (a longer soak) applies at once
    apply(resource("kube-web", "1h"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                given().get("/api/v1/policies/kube-web").jsonPath().getInt("revision") == 2
                    && Integer.valueOf(2).equals(asInt(status("kube-web").get("revision"))));
    assertThat(given().get("/api/v1/policies/kube-web").jsonPath().getString("source"))
        .contains("soak: 1h");
    assertThat(events("kube-web", "Applied")).isNotEmpty();

    // an invalid one is reported, located, and never applied
    apply(resource("kube-web", "10 minutes"));
    Map<String, Object> invalid = statusOnce("kube-web", "Invalid");
    assertThat(invalid.get("accepted")).isEqualTo(false);
    assertThat(invalid.get("problems").toString())
        .contains("spec.waves[0].soak")
        .contains("expected a duration");
    assertThat(events("kube-web", "Invalid"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getType()).isEqualTo("Warning"));
    assertThat(given().get("/api/v1/policies/kube-web").jsonPath().getInt("revision")).isEqualTo(2);
    assertThat(given().get("/api/v1/policies/kube-web").jsonPath().getString("source"))
        .contains("soak: 1h");

    // a misspelt field is kept by the API server and refused by the controller, not lost
    apply(resource("kube-web", "1h").replace("reboot: never", "rebot: never"));
    assertThat(statusOnce("kube-web", "Invalid").get("problems").toString()).contains("rebot");

    // the API may not change or delete what the resource manages
    given()
        .contentType("application/yaml")
        .body(resource("kube-web", "2h").replace("  namespace: patchwave\n", ""))
        .put("/api/v1/policies/kube-web")
        .then()
        .statusCode(409);
    String refusal =
        given().delete("/api/v1/policies/kube-web").then().statusCode(409).extract().asString();
    assertThat(refusal).contains("RolloutPolicy resource patchwave/kube-web");

    // deleting the resource removes its policy
    policies().withName("kube-web").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> given().get("/api/v1/policies/kube-web").statusCode() == 404);
    assertThat(
            given()
                .queryParam("actor", "kubernetes:patchwave/kube-web")
                .get("/api/v1/audit")
                .jsonPath()
                .getList("action", String.class))
        .contains("policy.propose", "policy.put", "policy.delete");
  }

  @Test
  void aResourceCannotTakeOverAPolicyWrittenElsewhere() {
    String name = "api-written";
    given()
        .contentType("application/yaml")
        .body(resource(name, "30m").replace("  namespace: patchwave\n", ""))
        .put("/api/v1/policies/" + name)
        .then()
        .statusCode(202); // new: waits for an approver
    long id = given().get("/api/v1/policies/" + name + "/revisions").jsonPath().getLong("[0].id");
    given()
        .auth()
        .oauth2(TestTokens.APPROVER)
        .post("/api/v1/policies/" + name + "/revisions/" + id + "/approve")
        .then()
        .statusCode(200);

    apply(resource(name, "2h"));
    Map<String, Object> refused = statusOnce(name, "Refused");
    assertThat(refused.get("message").toString()).contains("through the API");
    assertThat(given().get("/api/v1/policies/" + name).jsonPath().getString("source"))
        .contains("soak: 30m");
    policies().withName(name).delete();
    // the resource's deletion leaves the API's policy alone
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .until(() -> given().get("/api/v1/policies/" + name).statusCode() == 200);
  }

  private static Integer asInt(Object o) {
    return o instanceof Number n ? n.intValue() : null;
  }
}
