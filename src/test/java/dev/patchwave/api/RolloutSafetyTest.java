package dev.patchwave.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.testing.RolloutApi;
import dev.patchwave.testing.RolloutJson;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Safety around one rollout, on the demo fleet's PostgreSQL and KRaft hosts (no other test of this
 * application touches them): one owner per host, exactly one of many concurrent starts and
 * approvals, the first wave's gate, an abort mid-step, and canaries that prove what later hosts
 * install.
 */
@QuarkusTest
class RolloutSafetyTest {

  @Inject SimulatedHostExecutor simulated;
  @Inject dev.patchwave.inventory.HostSource inventory;

  /** The demo host, created if no step has touched it yet. */
  EmulatedHost emulated(String name) {
    return simulated.emulated(
        inventory.hosts().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow());
  }

  static final String PG_GATED =
      """
      {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy",
       "metadata": {"name": "safety-pg"},
       "spec": {"selector": {"matchLabels": {"role": "postgres"}},
                "packages": {"origin": "security", "include": ["openssl"]},
                "reboot": "never",
                "disruption": {"groupBy": ["pg-cluster"], "maxUnavailablePerGroup": 1},
                "waves": [{"name": "canary", "size": 1, "approval": "manual"},
                          {"name": "rest", "size": "100%"}],
                "health": {"interval": "5s", "timeout": "20s"}}}
      """;

  @BeforeAll
  static void asAdmin() {
    TestTokens.actAsAdmin();
  }

  static final java.util.concurrent.atomic.AtomicInteger FIXES =
      new java.util.concurrent.atomic.AtomicInteger(100);

  /**
   * Every test finds the PostgreSQL hosts with an openssl update pending, whatever an earlier test
   * installed: a rollout with nothing to install would end at once and free its policy.
   */
  @BeforeEach
  void anOpensslFixIsPending() {
    String fix = "3.0.2-0ubuntu1." + FIXES.incrementAndGet();
    List.of("pg-1", "pg-2", "pg-3").forEach(h -> emulated(h).publish("openssl", fix));
  }

  @AfterEach
  void abortWhatIsLeft() {
    for (Map<String, Object> r :
        given().get("/api/v1/rollouts").jsonPath().<Map<String, Object>>getList("$")) {
      String phase = (String) r.get("phase");
      if (((String) r.get("policy")).startsWith("safety-")
          && !List.of("HALTED", "COMPLETED", "COMPLETED_WITH_SKIPS", "ABORTED").contains(phase)) {
        given().post("/api/v1/rollouts/" + r.get("id") + "/abort");
      }
    }
    simulated.all().forEach(h -> h.holdDpkgLock(false));
  }

  @Test
  void ofThirtyConcurrentStartsOfOnePolicyExactlyOneSucceeds() throws Exception {
    putPolicy("safety-pg", PG_GATED);

    List<Response> answers =
        concurrently(30, i -> () -> start("{\"policy\": \"safety-pg\"}", TestTokens.ADMIN));

    assertThat(answers).filteredOn(r -> r.statusCode() == 201).hasSize(1);
    assertThat(answers)
        .filteredOn(r -> r.statusCode() == 409)
        .hasSize(29)
        .allSatisfy(r -> assertThat(r.contentType()).startsWith("application/problem+json"));
    long id =
        answers.stream()
            .filter(r -> r.statusCode() == 201)
            .findFirst()
            .orElseThrow()
            .jsonPath()
            .getLong("id");
    assertThat(rolloutsOf("safety-pg")).containsExactly(id);
    // the audit log has one success and 29 refusals, each with who asked
    List<String> outcomes =
        given()
            .get("/api/v1/audit?action=rollout.start&actor=admin&limit=30")
            .jsonPath()
            .getList("outcome", String.class);
    assertThat(outcomes).containsOnlyOnce("success").filteredOn("refused"::equals).hasSize(29);

    given().post("/api/v1/rollouts/" + id + "/abort").then().statusCode(200);
    given()
        .post("/api/v1/rollouts/" + id + "/abort")
        .then()
        .statusCode(409)
        .contentType("application/problem+json");
  }

  @Test
  void aHostOwnedByAnotherRolloutIsRefusedByDefaultAndLeftOutOnRequest() {
    putPolicy("safety-pg", PG_GATED);
    putPolicy(
        "safety-pg-kraft",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy",
         "metadata": {"name": "safety-pg-kraft"},
         "spec": {"selector": {"matchExpressions": [
                    {"key": "role", "operator": "In", "values": ["postgres", "kafka-controller"]}]},
                  "packages": {"origin": "security", "include": ["openssl"]},
                  "reboot": "never",
                  "waves": [{"name": "canary", "size": 1, "approval": "manual"},
                            {"name": "rest", "size": "100%"}]}}
        """);
    long owner = RolloutApi.start("safety-pg");

    start("{\"policy\": \"safety-pg-kraft\"}", TestTokens.ADMIN)
        .then()
        .statusCode(409)
        .contentType("application/problem+json")
        .body(
            "detail",
            org.hamcrest.Matchers.containsString("rollout " + owner + " owns pg-1, pg-2, pg-3"));

    JsonPath skipped =
        start("{\"policy\": \"safety-pg-kraft\", \"onConflict\": \"skip\"}", TestTokens.ADMIN)
            .then()
            .statusCode(201)
            .extract()
            .jsonPath();
    long id = skipped.getLong("id");
    assertThat(rollout(id).getList("hosts.name", String.class))
        .containsExactlyInAnyOrder("kraft-1", "kraft-2", "kraft-3");
    assertThat(
            given()
                .get("/api/v1/rollouts/" + id + "/events")
                .jsonPath()
                .getString("find { it.reason == 'STARTED' }.detail"))
        .contains("left out")
        .contains("rollout " + owner + " owns pg-1, pg-2, pg-3");

    start("{\"policy\": \"safety-pg\", \"onConflict\": \"sometimes\"}", TestTokens.ADMIN)
        .then()
        .statusCode(400);
  }

  @Test
  void theFirstWaveWaitsForApprovalAndOfThirtyConcurrentApprovalsOneTakesEffect() throws Exception {
    putPolicy("safety-pg", PG_GATED);
    Map<String, String> before = openssl("pg-1", "pg-2", "pg-3");
    long id = RolloutApi.start("safety-pg");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> rollout(id).getString("phase"), p -> p.equals("AWAITING_APPROVAL"));
    assertThat(rollout(id).getInt("wave")).isZero();
    assertThat(openssl("pg-1", "pg-2", "pg-3")).isEqualTo(before);

    List<Response> answers =
        concurrently(
            30,
            i ->
                () ->
                    given()
                        .auth()
                        .oauth2(i % 2 == 0 ? TestTokens.APPROVER : TestTokens.APPROVER_2)
                        .post("/api/v1/rollouts/" + id + "/waves/0/approve"));

    assertThat(answers).extracting(Response::statusCode).containsOnly(200, 409);
    assertThat(answers).filteredOn(r -> r.statusCode() == 200).hasSize(1);
    JsonPath audit =
        given()
            .get(
                "/api/v1/audit?action=rollout.approve&target=/api/v1/rollouts/"
                    + id
                    + "/waves/0/approve&limit=100")
            .jsonPath();
    assertThat(audit.getList("outcome", String.class))
        .hasSize(30)
        .containsOnlyOnce("success")
        .filteredOn("refused"::equals)
        .hasSize(29);
    assertThat(
            given()
                .get("/api/v1/rollouts/" + id + "/events")
                .jsonPath()
                .getList("findAll { it.reason == 'APPROVED' }.actor", String.class))
        .hasSize(1);
  }

  @Test
  void anAbortWhileAHostIsMidStepLeavesNoHostInAStepPhaseAndReleasesTheHosts() {
    putPolicy(
        "safety-pg-now",
        PG_GATED.replace("safety-pg", "safety-pg-now").replace(", \"approval\": \"manual\"", ""));
    List.of("pg-1", "pg-2", "pg-3").forEach(h -> emulated(h).holdDpkgLock(true));
    long id = RolloutApi.start("safety-pg-now");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                rollout(id)
                    .getList("hosts.findAll { it.reason == 'DPKG_LOCKED' }.name", String.class),
            l -> !l.isEmpty());
    assertThat(rollout(id).getList("hosts.phase", String.class)).contains("PATCHING");

    given().post("/api/v1/rollouts/" + id + "/abort").then().statusCode(200);

    JsonPath after = rollout(id);
    assertThat(after.getString("phase")).isEqualTo("ABORTED");
    assertThat(after.getList("hosts.phase", String.class))
        .doesNotContain("PREPARING", "PATCHING", "REBOOTING", "VERIFYING")
        .contains("ABORTED");
    // the hosts are free again
    putPolicy("safety-pg", PG_GATED);
    start("{\"policy\": \"safety-pg\"}", TestTokens.ADMIN).then().statusCode(201);
  }

  @Test
  void theCanaryIsAHostThatNeedsTheUpdateAndAVersionNoCanaryProvedIsNeverInstalled() {
    // only kraft-3 has a curl update: the plan made at start would take kraft-1 as the canary
    emulated("kraft-3").publish("curl", "8.5.0-2ubuntu10.6");
    putPolicy(
        "safety-kraft-curl",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy",
         "metadata": {"name": "safety-kraft-curl"},
         "spec": {"selector": {"matchLabels": {"role": "kafka-controller"}},
                  "packages": {"origin": "security", "include": ["curl"]},
                  "reboot": "never",
                  "disruption": {"groupBy": ["kraft-quorum"], "maxUnavailablePerGroup": 1},
                  "waves": [{"name": "canary", "size": 1}, {"name": "rest", "size": "100%"}],
                  "health": {"interval": "5s", "timeout": "20s"}}}
        """);
    long curl = startAndFinish("safety-kraft-curl");
    JsonPath done = rollout(curl);
    assertThat(done.getString("phase")).isEqualTo("COMPLETED");
    assertThat(done.getList("patchSet.version", String.class)).containsExactly("8.5.0-2ubuntu10.6");
    assertThat(done.getString("hosts.find { it.name == 'kraft-3' }.phase")).isEqualTo("HEALTHY");
    assertThat(done.getList("hosts.findAll { it.phase == 'SKIPPED' }.reason", String.class))
        .containsExactly("NOTHING_FOR_HOST", "NOTHING_FOR_HOST");
    assertThat(emulated("kraft-3").installed()).containsEntry("curl", "8.5.0-2ubuntu10.6");

    // kraft-2 alone is offered a newer openssl; a canary wave holds one host of the quorum, so
    // one of the two versions cannot be proven: its hosts are left out, and the rollout says so
    emulated("kraft-2").publish("openssl", "3.0.13-0ubuntu3.6");
    Map<String, String> before = openssl("kraft-1", "kraft-2", "kraft-3");
    putPolicy(
        "safety-kraft-ssl",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy",
         "metadata": {"name": "safety-kraft-ssl"},
         "spec": {"selector": {"matchLabels": {"role": "kafka-controller"}},
                  "packages": {"origin": "security", "include": ["openssl"]},
                  "reboot": "never",
                  "disruption": {"groupBy": ["kraft-quorum"], "maxUnavailablePerGroup": 1},
                  "waves": [{"name": "canary", "size": 1}, {"name": "rest", "size": "100%"}],
                  "health": {"interval": "5s", "timeout": "20s"}}}
        """);
    long ssl = startAndFinish("safety-kraft-ssl");
    JsonPath r = rollout(ssl);
    assertThat(r.getString("phase")).isEqualTo("COMPLETED_WITH_SKIPS");
    List<String> frozen = r.getList("patchSet.version", String.class);
    assertThat(frozen).hasSize(1);
    List<String> unproven =
        r.getList("hosts.findAll { it.reason == 'NOT_PROVEN' }.name", String.class);
    assertThat(unproven).isNotEmpty();
    assertThat(r.getString("detail")).contains(unproven.get(0) + " (NOT_PROVEN)");
    for (String h : List.of("kraft-1", "kraft-2", "kraft-3")) {
      String now = emulated(h).installed().get("openssl");
      if (unproven.contains(h)) {
        assertThat(now).as(h + " was not patched").isEqualTo(before.get(h));
      } else {
        assertThat(now).as(h + " installed the canary's version").isEqualTo(frozen.get(0));
      }
    }
  }

  private long startAndFinish(String policy) {
    long id = RolloutApi.start(policy);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> rollout(id).getString("phase"),
            p -> p.startsWith("COMPLETED") || p.equals("HALTED") || p.equals("PAUSED"));
    return id;
  }

  private Map<String, String> openssl(String... hosts) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String h : hosts) {
      EmulatedHost e = emulated(h);
      out.put(h, e.installed().get("openssl"));
    }
    return out;
  }

  static void putPolicy(String name, String json) {
    given()
        .contentType(ContentType.JSON)
        .body(json)
        .put("/api/v1/policies/" + name)
        .then()
        .log()
        .ifValidationFails()
        .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
  }

  static Response start(String body, String token) {
    return given()
        .auth()
        .oauth2(token)
        .contentType(ContentType.JSON)
        .body(body)
        .post("/api/v1/rollouts");
  }

  static JsonPath rollout(long id) {
    return RolloutJson.of(id);
  }

  static List<Long> rolloutsOf(String policy) {
    return given()
        .get("/api/v1/rollouts")
        .jsonPath()
        .getList(
            "findAll { it.policy == '"
                + policy
                + "' && it.phase != 'ABORTED' && it.phase != 'COMPLETED' }.id",
            Long.class);
  }

  /** Runs {@code n} calls at once (released together) and returns their answers. */
  static List<Response> concurrently(int n, java.util.function.IntFunction<Callable<Response>> call)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Response>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Callable<Response> c = call.apply(i);
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return c.call();
                }));
      }
      go.countDown();
      List<Response> out = new ArrayList<>();
      for (Future<Response> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
