package dev.patchwave.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.simulated.EmulatedHost.Received;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.testing.EmulatedSshServer;
import dev.patchwave.testing.RolloutJson;
import dev.patchwave.testing.SshFleet;
import dev.patchwave.testing.TestTokens;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The incident, replayed over real SSH against 12 emulated hosts: a kernel that panics every host
 * on reboot must reach exactly one host, which boots it on trial and comes back on its old kernel
 * by itself (emulated GRUB, {@code panic=}); then a good kernel reaches all twelve, each made the
 * default only after its host's health gate, without two brokers of one cluster ever down at once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractIncidentReplayTest {

  static final PackageVersion BAD = new PackageVersion("linux-image-generic", SshFleet.BAD);
  static final String GOOD = "6.8.0-50.50";

  static final String POLICY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: incident}
      spec:
        selector: {}
        packages: {origin: security, include: ["linux-*"]}
        disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 3}
        waves:
          - {name: canary, size: 1}
          - {name: quarter, size: 25%, soak: 2s}
          - {name: rest, size: 100%}
        reboot: {when: ifRequired, trial: true, panicTimeout: 5s}
        health: {interval: 5s, timeout: 5s}
      """;

  @BeforeAll
  static void yamlIsText() {
    TestTokens.actAsAdmin();
    RestAssured.config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .encodeContentTypeAs("application/yaml", ContentType.TEXT));
  }

  static long startRollout() {
    return given()
        .contentType(ContentType.JSON)
        .body("{\"policy\": \"incident\"}")
        .post("/api/v1/rollouts")
        .then()
        .statusCode(201)
        .extract()
        .jsonPath()
        .getLong("id");
  }

  static JsonPath awaitPhase(long id, String phase, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> given().get("/api/v1/rollouts/" + id).jsonPath().getString("phase"),
            p -> p.equals(phase));
    return RolloutJson.of(id);
  }

  static List<List<String>> installs(EmulatedHost h) {
    return h.received().stream()
        .filter(r -> r.mutating() && r.argv().contains("install"))
        .map(Received::argv)
        .toList();
  }

  @Test
  @Order(1)
  void theBadKernelReachesOneHostWhichFallsBackByItselfAndIsQuarantinedEverywhereElse() {
    given()
        .contentType("application/yaml")
        .body(POLICY)
        .put("/api/v1/policies/incident")
        .then()
        .statusCode(201);
    long id = startRollout();
    JsonPath halted = awaitPhase(id, "HALTED", Duration.ofSeconds(60));

    String canary = halted.getString("waves[0].hosts[0]");
    assertThat(halted.getString("reason")).isEqualTo("TOO_MANY_FAILURES");
    JsonPath hosts = given().get("/api/v1/rollouts/" + id + "/hosts").jsonPath();
    String self = "find { it.name == '" + canary + "' }";
    assertThat(hosts.getString(self + ".phase")).isEqualTo("FAILED");
    assertThat(hosts.getString(self + ".reason")).isEqualTo("KERNEL_FELL_BACK");
    assertThat(hosts.getString(self + ".trialBoot.stage")).isEqualTo("FELL_BACK");
    assertThat(hosts.getString(self + ".trialBoot.fromKernel")).isEqualTo("6.8.0-48-generic");
    assertThat(hosts.getString(self + ".trialBoot.toKernel")).isEqualTo("6.8.0-49-generic");

    List<EmulatedSshServer> servers = List.copyOf(SshFleet.SERVERS.values());
    assertThat(servers).hasSize(12);
    for (EmulatedSshServer s : servers) {
      EmulatedHost h = s.host();
      assertThat(s.injections()).isEmpty();
      // every redundancy group intact: no host is down
      assertThat(h.isPanicked()).as("%s down", h.name()).isFalse();
      if (h.name().equals(canary)) {
        assertThat(installs(h))
            .singleElement()
            .satisfies(argv -> assertThat(argv).contains(BAD.pinned()));
        // one reboot given; the panicking kernel rebooted the host once more by itself, into the
        // kernel it ran before, which stays GRUB's default: nobody touched it
        assertThat(h.reboots()).isEqualTo(1);
        assertThat(h.fallbacks()).isEqualTo(1);
        assertThat(h.runningKernel()).isEqualTo("6.8.0-48-generic");
        assertThat(h.defaultKernel()).isEqualTo("6.8.0-48-generic");
      } else {
        assertThat(installs(h)).as("installs on %s", h.name()).isEmpty();
        assertThat(h.reboots()).isZero();
        assertThat(h.installed()).containsEntry("linux-image-generic", "6.8.0-48.48");
      }
    }

    // detection to halt: from the reboot to the halt, one panic timeout (5s) and two boots
    JsonPath events = given().get("/api/v1/rollouts/" + id + "/events").jsonPath();
    assertThat(
            events.getString(
                "find { it.host == '" + canary + "' && it.reason == 'TRIAL_BOOT' }.detail"))
        .contains(
            "kernel 6.8.0-49-generic boots once; 6.8.0-48-generic stays the default (panic=5)");
    Instant issued =
        Instant.parse(
            events.getString(
                "find { it.host == '" + canary + "' && it.detail.startsWith('BOOTING') }.at"));
    Instant haltedAt =
        Instant.parse(events.getString("find { it.reason == 'TOO_MANY_FAILURES' }.at"));
    Duration latency = Duration.between(issued, haltedAt);
    System.out.println("reboot_to_halt_ms=" + latency.toMillis());
    assertThat(latency).isLessThanOrEqualTo(Duration.ofSeconds(5 + 2 + 2));

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(servers)
                    .filteredOn(s -> !s.host().name().equals(canary))
                    .allSatisfy(s -> assertThat(s.host().pins()).containsExactly(BAD)));
    assertThat(
            given()
                .get("/api/v1/quarantine")
                .jsonPath()
                .getList("findAll { it.version == '" + BAD.version() + "' }.host", String.class))
        .containsExactly(canary);
    // the canary serves again: it answers a scan, on its old kernel
    given()
        .post("/api/v1/hosts/" + canary + "/scan")
        .then()
        .statusCode(200)
        .body("scan.kernel", org.hamcrest.Matchers.equalTo("6.8.0-48-generic"));
    assertThat(
            given()
                .queryParam("action", "host.trial-boot")
                .get("/api/v1/audit")
                .jsonPath()
                .getList("target", String.class))
        .contains(canary);
  }

  @Test
  @Order(2)
  void aGoodKernelThenReachesAllTwelveNeverTwoBrokersOfAClusterDownAtOnce() {
    for (EmulatedSshServer s : SshFleet.SERVERS.values()) {
      s.host().publish("linux-image-generic", GOOD);
      assertThat(s.host().isPanicked()).isFalse(); // nobody had to bring the canary back
    }
    Instant start = Instant.now();
    long id = startRollout();
    JsonPath done = awaitPhase(id, "COMPLETED", Duration.ofSeconds(120));
    assertThat(done.getList("patchSet.version", String.class)).containsExactly(GOOD);
    JsonPath hosts = given().get("/api/v1/rollouts/" + id + "/hosts").jsonPath();
    assertThat(hosts.getList("phase", String.class)).as(hosts.prettify()).containsOnly("HEALTHY");
    assertThat(hosts.getList("reason", String.class)).containsOnly("KERNEL_KEPT");
    assertThat(hosts.getList("trialBoot.stage", String.class)).containsOnly("KEPT").hasSize(12);

    Map<String, List<Instant[]>> downtimes = new java.util.TreeMap<>();
    for (EmulatedSshServer s : SshFleet.SERVERS.values()) {
      EmulatedHost h = s.host();
      assertThat(h.installed()).containsEntry("linux-image-generic", GOOD);
      assertThat(h.runningKernel()).isEqualTo("6.8.0-50-generic");
      assertThat(h.defaultKernel()).isEqualTo("6.8.0-50-generic");
      assertThat(installs(h).stream().filter(argv -> argv.contains("linux-image-generic=" + GOOD)))
          .hasSize(1);
      downtimes.put(h.name(), downtimes(h, start));
    }
    for (String cluster : List.of("a", "b")) {
      List<Instant[]> spans = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        spans.addAll(downtimes.get("kafka-" + cluster + "-" + i));
      }
      assertThat(spans).as("each broker of cluster %s went down once", cluster).hasSize(3);
      for (int i = 0; i < spans.size(); i++) {
        for (int j = i + 1; j < spans.size(); j++) {
          boolean overlap =
              spans.get(i)[0].isBefore(spans.get(j)[1])
                  && spans.get(j)[0].isBefore(spans.get(i)[1]);
          assertThat(overlap).as("two brokers of cluster %s down at once", cluster).isFalse();
        }
      }
    }
  }

  /** From each install to the first command after the reboot that followed it. */
  static List<Instant[]> downtimes(EmulatedHost h, Instant since) {
    List<Instant[]> spans = new ArrayList<>();
    Instant down = null;
    boolean rebooted = false;
    for (Received r : h.received()) {
      if (r.at().isBefore(since)) {
        continue;
      }
      if (r.mutating() && r.argv().contains("install")) {
        down = r.at();
      } else if (down != null && r.argv().contains("reboot")) {
        rebooted = true;
      } else if (down != null && rebooted) {
        spans.add(new Instant[] {down, r.at()});
        down = null;
        rebooted = false;
      }
    }
    assertThat(down).as("%s never came back", h.name()).isNull();
    return spans;
  }
}
