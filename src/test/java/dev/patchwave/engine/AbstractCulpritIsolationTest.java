package dev.patchwave.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.testing.EmulatedSshServer;
import dev.patchwave.testing.SshFleet;
import dev.patchwave.testing.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Culprit isolation over real SSH (ADR 20): the canary installs a kernel that panics and an
 * unrelated openssl fix, falls back to its old kernel, and the halt quarantines both as suspects of
 * one incident. Isolating proves openssl on one fresh host (healthy: released everywhere), then the
 * kernel on trial (back on the old kernel: the culprit, kept).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractCulpritIsolationTest {

  static final PackageVersion BAD = AbstractIncidentReplayTest.BAD;
  static final PackageVersion SSL = new PackageVersion("openssl", "3.0.13-0ubuntu3.5");

  static final String POLICY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: incident}
      spec:
        selector: {}
        packages: {origin: security, include: ["linux-*", "openssl"]}
        disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 3}
        waves:
          - {name: canary, size: 1, soak: 1s}
          - {name: rest, size: 100%}
        reboot: {when: ifRequired, trial: true, panicTimeout: 5s}
        health: {interval: 5s, timeout: 30s}
      """;

  static long incident;
  static String canary;

  @BeforeAll
  static void yamlIsText() {
    dev.patchwave.testing.RolloutApi.adminWithYaml();
  }

  @Test
  @Order(1)
  void aHaltQuarantinesWhatTheFailedHostInstalledAsSuspectsOfOneIncident() {
    dev.patchwave.testing.RecordedIsolations.ENDED.clear(); // another controller's, in this JVM
    for (EmulatedSshServer s : SshFleet.SERVERS.values()) {
      s.host().publish(SSL.name(), SSL.version());
    }
    given()
        .contentType("application/yaml")
        .body(POLICY)
        .put("/api/v1/policies/incident")
        .then()
        .statusCode(201);
    long id = AbstractIncidentReplayTest.startRollout();
    JsonPath halted = AbstractIncidentReplayTest.awaitPhase(id, "HALTED", Duration.ofSeconds(60));
    canary = halted.getString("waves[0].hosts[0]");

    JsonPath incidents = given().get("/api/v1/quarantine/incidents").jsonPath();
    assertThat(incidents.getList("$")).hasSize(1);
    incident = incidents.getLong("[0].id");
    assertThat(incidents.getLong("[0].rolloutId")).isEqualTo(id);
    assertThat(incidents.getString("[0].host")).isEqualTo(canary);
    assertThat(incidents.getString("[0].reason"))
        .startsWith(dev.patchwave.rollout.Reason.KERNEL_FELL_BACK.text);
    assertThat(incidents.getList("[0].entries.packageName", String.class))
        .containsExactlyInAnyOrder(BAD.name(), SSL.name());
    assertThat(incidents.getList("[0].entries.verdict", String.class)).containsOnly("SUSPECT");
    // the safe default: both blocked on every other host until proven
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(SshFleet.SERVERS.values())
                    .filteredOn(s -> !s.host().name().equals(canary))
                    .allSatisfy(
                        s -> assertThat(s.host().pins()).containsExactlyInAnyOrder(BAD, SSL)));
  }

  @Test
  @Order(2)
  void badRequestsToIsolateChangeNothing() {
    String path = "/api/v1/quarantine/incidents/" + incident + "/isolate";
    given()
        .auth()
        .oauth2(TestTokens.OPERATOR)
        .contentType(ContentType.JSON)
        .body("{}")
        .post(path)
        .then()
        .statusCode(403);
    given()
        .contentType(ContentType.JSON)
        .body("{\"strategy\": \"bisect\"}")
        .post(path)
        .then()
        .statusCode(400)
        .body("detail", org.hamcrest.Matchers.containsString("strategy must be"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"host\": \"" + canary + "\"}")
        .post(path)
        .then()
        .statusCode(400)
        .body("detail", org.hamcrest.Matchers.containsString("is the host that failed"));
    String sameCluster =
        SshFleet.SERVERS.keySet().stream()
            .filter(h -> canary.startsWith("kafka-") && !h.equals(canary))
            .filter(h -> h.startsWith(canary.substring(0, "kafka-a".length())))
            .findFirst()
            .orElse(null);
    if (sameCluster != null) {
      given()
          .contentType(ContentType.JSON)
          .body("{\"host\": \"" + sameCluster + "\"}")
          .post(path)
          .then()
          .statusCode(400)
          .body("detail", org.hamcrest.Matchers.containsString("shares redundancy group"));
    }
    given()
        .contentType(ContentType.JSON)
        .body("{\"host\": \"nowhere\"}")
        .post(path)
        .then()
        .statusCode(400)
        .body("detail", org.hamcrest.Matchers.containsString("not in the inventory"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"colour\": \"red\"}")
        .post(path)
        .then()
        .statusCode(400);
    given()
        .contentType(ContentType.JSON)
        .body("{}")
        .post("/api/v1/quarantine/incidents/999999/isolate")
        .then()
        .statusCode(404);
    assertThat(
            given()
                .get("/api/v1/quarantine/incidents/" + incident)
                .jsonPath()
                .getList("isolations"))
        .isEmpty();
  }

  @Test
  @Order(3)
  void anAbortedIsolationStopsItsProofAndReleasesNothing() {
    // the host least like the canary, outside its redundancy groups, whose dpkg lock is held: the
    // proof waits at the install until it is aborted
    String host =
        SshFleet.SERVERS.keySet().stream()
            .filter(h -> !h.equals(canary))
            .filter(h -> !(h.startsWith("kafka-") && h.regionMatches(0, canary, 0, 7)))
            .min(
                java.util.Comparator.comparingLong(
                        (String h) -> common(SshFleet.SERVERS.get(h).host().name(), canary))
                    .thenComparing(java.util.Comparator.<String>reverseOrder()))
            .orElseThrow();
    EmulatedHost locked = SshFleet.SERVERS.get(host).host();
    locked.holdDpkgLock(true);
    long isolation =
        given()
            .auth()
            .oauth2(TestTokens.APPROVER)
            .contentType(ContentType.JSON)
            .body("{\"host\": \"" + host + "\", \"strategy\": \"halves\"}")
            .post("/api/v1/quarantine/incidents/" + incident + "/isolate")
            .then()
            .statusCode(202)
            .body("host", org.hamcrest.Matchers.equalTo(host))
            .body("phase", org.hamcrest.Matchers.equalTo("RUNNING"))
            .extract()
            .jsonPath()
            .getLong("id");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                given()
                    .get("/api/v1/quarantine/isolations/" + isolation)
                    .jsonPath()
                    .getString("proofs[0].rolloutId"),
            r -> r != null);
    long proof =
        given()
            .get("/api/v1/quarantine/isolations/" + isolation)
            .jsonPath()
            .getLong("proofs[0].rolloutId");
    // while it proves, only its host's pins leave openssl out
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(locked.pins()).containsExactly(BAD));
    assertThat(SshFleet.SERVERS.values())
        .filteredOn(s -> !s.host().name().equals(host) && !s.host().name().equals(canary))
        .allSatisfy(s -> assertThat(s.host().pins()).containsExactlyInAnyOrder(BAD, SSL));

    given()
        .auth()
        .oauth2(TestTokens.OPERATOR)
        .delete("/api/v1/quarantine/isolations/" + isolation)
        .then()
        .statusCode(403);
    given()
        .auth()
        .oauth2(TestTokens.APPROVER)
        .delete("/api/v1/quarantine/isolations/" + isolation)
        .then()
        .statusCode(204);
    given()
        .auth()
        .oauth2(TestTokens.APPROVER)
        .delete("/api/v1/quarantine/isolations/" + isolation)
        .then()
        .statusCode(404);
    JsonPath aborted = given().get("/api/v1/quarantine/isolations/" + isolation).jsonPath();
    assertThat(aborted.getString("phase")).isEqualTo("ABORTED");
    assertThat(dev.patchwave.testing.RecordedIsolations.ENDED)
        .filteredOn(e -> e.isolation() == isolation)
        .singleElement()
        .satisfies(e -> assertThat(e.phase()).isEqualTo("ABORTED"))
        .satisfies(e -> assertThat(e.kept()).containsExactlyInAnyOrder(BAD.pinned(), SSL.pinned()));
    assertThat(aborted.getString("proofs[0].outcome")).isEqualTo("INCONCLUSIVE");
    AbstractIncidentReplayTest.awaitPhase(proof, "ABORTED", Duration.ofSeconds(30));
    locked.holdDpkgLock(false);
    assertThat(locked.installed()).containsEntry("openssl", "3.0.13-0ubuntu3.4");
    assertThat(
            given()
                .get("/api/v1/quarantine/incidents/" + incident)
                .jsonPath()
                .getList("entries.verdict", String.class))
        .containsOnly("SUSPECT");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(locked.pins()).containsExactlyInAnyOrder(BAD, SSL));
  }

  static long common(String a, String b) {
    Map<String, String> la = SshFleet.hosts().get(a);
    Map<String, String> lb = SshFleet.hosts().get(b);
    return la.entrySet().stream().filter(e -> e.getValue().equals(lb.get(e.getKey()))).count();
  }

  @Test
  @Order(4)
  void isolatingReleasesTheInnocentFixAndKeepsTheKernelOnlyOneOfThirtyAtOnceStarts()
      throws Exception {
    String path = "/api/v1/quarantine/incidents/" + incident + "/isolate";
    ExecutorService pool = Executors.newFixedThreadPool(30);
    List<Future<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      answers.add(
          pool.submit(
              () ->
                  given()
                      .auth()
                      .oauth2(TestTokens.APPROVER)
                      .contentType(ContentType.JSON)
                      .body("{}")
                      .post(path)
                      .statusCode()));
    }
    Map<Integer, Integer> byStatus = new TreeMap<>();
    for (Future<Integer> f : answers) {
      byStatus.merge(f.get(), 1, Integer::sum);
    }
    pool.shutdown();
    assertThat(byStatus).isEqualTo(Map.of(202, 1, 409, 29));

    JsonPath incidentNow = given().get("/api/v1/quarantine/incidents/" + incident).jsonPath();
    assertThat(incidentNow.getList("isolations.phase", String.class))
        .containsExactly("RUNNING", "ABORTED");
    long isolation = incidentNow.getLong("isolations[0].id");
    String host = incidentNow.getString("isolations[0].host");
    assertThat(host).isNotEqualTo(canary);

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                given()
                    .get("/api/v1/quarantine/isolations/" + isolation)
                    .jsonPath()
                    .getString("phase"),
            p -> !p.equals("RUNNING"));
    JsonPath done = given().get("/api/v1/quarantine/isolations/" + isolation).jsonPath();
    assertThat(done.getString("phase")).as(done.prettify()).isEqualTo("ISOLATED");
    assertThat(done.getString("detail")).isEqualTo("culprit: " + BAD.pinned());
    // openssl needs no reboot: proven first; then the kernel, on trial
    assertThat(done.getList("proofs.versions", List.class))
        .containsExactly(List.of(SSL.pinned()), List.of(BAD.pinned()));
    assertThat(done.getList("proofs.outcome", String.class)).containsExactly("INNOCENT", "GUILTY");

    JsonPath entries = given().get("/api/v1/quarantine/incidents/" + incident).jsonPath();
    assertThat(entries.getString("entries.find { it.packageName == 'openssl' }.verdict"))
        .isEqualTo("INNOCENT");
    assertThat(entries.getString("entries.find { it.packageName == 'openssl' }.releasedBy"))
        .isEqualTo("isolation " + isolation);
    assertThat(
            entries.getString("entries.find { it.packageName == 'linux-image-generic' }.verdict"))
        .isEqualTo("CULPRIT");
    assertThat(
            entries.getString(
                "entries.find { it.packageName == 'linux-image-generic' }.releasedAt"))
        .isNull();
    assertThat(given().get("/api/v1/quarantine").jsonPath().getList("packageName", String.class))
        .containsExactly(BAD.name());

    // the proving host: openssl installed, the kernel tried once, back on the old one by itself
    EmulatedHost proving = SshFleet.SERVERS.get(host).host();
    assertThat(proving.installed()).containsEntry(SSL.name(), SSL.version());
    assertThat(proving.fallbacks()).isEqualTo(1);
    assertThat(proving.runningKernel()).isEqualTo("6.8.0-48-generic");
    assertThat(proving.isPanicked()).isFalse();
    // every other host: nothing installed; pins now block the kernel alone, on the proving host too
    for (EmulatedSshServer s : SshFleet.SERVERS.values()) {
      if (!s.host().name().equals(host) && !s.host().name().equals(canary)) {
        assertThat(AbstractIncidentReplayTest.installs(s.host())).as(s.host().name()).isEmpty();
      }
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(SshFleet.SERVERS.values())
                    .allSatisfy(s -> assertThat(s.host().pins()).containsExactly(BAD)));
    // on record: who released openssl, and why
    JsonPath released =
        given().queryParam("action", "quarantine.release").get("/api/v1/audit").jsonPath();
    assertThat(released.getList("actor", String.class)).containsExactly("isolation " + isolation);
    assertThat(released.getList("target", String.class)).containsExactly(SSL.pinned());
    // the proving rollouts held the host, not the policy: the policy could start meanwhile
    assertThat(done.getList("proofs.rolloutId", Long.class)).hasSize(2).doesNotContainNull();
    // on-call people are told (the isolation-ended webhook): the culprit, kept
    assertThat(dev.patchwave.testing.RecordedIsolations.ENDED)
        .filteredOn(e -> e.isolation() == isolation)
        .singleElement()
        .satisfies(e -> assertThat(e.phase()).isEqualTo("ISOLATED"))
        .satisfies(e -> assertThat(e.kept()).containsExactly(BAD.pinned()));
    // the proving rollout that failed added no incident of its own: nothing new was quarantined
    assertThat(given().get("/api/v1/quarantine/incidents").jsonPath().getList("id", Long.class))
        .containsExactly(incident);
    // nothing is left to prove
    given()
        .contentType(ContentType.JSON)
        .body("{}")
        .post("/api/v1/quarantine/incidents/" + incident + "/isolate")
        .then()
        .statusCode(409)
        .body("detail", org.hamcrest.Matchers.containsString("no suspect left"));
  }
}
