package dev.patchwave.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.testing.DnfFleet;
import dev.patchwave.testing.EmulatedSshServer;
import dev.patchwave.testing.RolloutApi;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The same safety on a dnf fleet (Rocky Linux 9 over real SSH): scans read it, the bad kernel
 * reaches one host, is quarantined through the versionlock list everywhere else, a good fix rolls
 * out with exact EVRs, and a host running dnf-automatic is adopted.
 */
@QuarkusTest
@QuarkusTestResource(value = DnfFleet.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DnfFleetTest {

  @BeforeAll
  static void admin() {
    RolloutApi.adminWithYaml();
  }

  static void putPolicy(String name, String spec) {
    RolloutApi.putYamlPolicy(name, spec);
  }

  static long start(String body) {
    return RolloutApi.startWith(body);
  }

  static JsonPath awaitFinished(long id) {
    return RolloutApi.awaitFinished(id, Duration.ofSeconds(60));
  }

  @Test
  @Order(1)
  void aScanReadsARockyHost() {
    JsonPath h =
        given().post("/api/v1/hosts/pg-a-1/scan").then().statusCode(200).extract().jsonPath();
    assertThat(h.getString("scanError")).isNull();
    assertThat(h.getString("scan.osId")).isEqualTo("rocky");
    assertThat(h.getString("scan.osRelease")).isEqualTo("9.4");
    assertThat(h.getString("scan.kernel")).isEqualTo(DnfFleet.KERNEL + ".x86_64");
    assertThat(h.getString("scan.pending.find { it.name == 'kernel-core' }.candidate"))
        .isEqualTo(DnfFleet.BAD);
    assertThat(h.getString("scan.pending.find { it.name == 'openssl' }.installed"))
        .isEqualTo(DnfFleet.OPENSSL_OLD);
    assertThat(h.getBoolean("scan.pending.find { it.name == 'openssl' }.security")).isTrue();
    assertThat(h.getMap("host.labels")).containsEntry("facts.patchwave.dev/os-id", "rocky");
    JsonPath auto = given().post("/api/v1/hosts/pg-b-3/scan").then().extract().jsonPath();
    assertThat(auto.getString("scan.selfUpdate.how")).contains("apply_updates = yes");
  }

  @Test
  @Order(2)
  void theBadKernelReachesOneHostAndIsExcludedOnEveryOther() {
    putPolicy(
        "pg-kernels",
        """
        selector: {matchLabels: {role: postgres}}
        packages: {include: ["kernel*"]}
        disruption: {groupBy: [pg-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 2}
        waves:
          - {name: canary, size: 1}
          - {name: rest, size: 100%}
        health: {interval: 5s, timeout: 5s}
        """);
    long id = start("{\"policy\": \"pg-kernels\"}");
    JsonPath halted = awaitFinished(id);
    assertThat(halted.getString("phase")).isEqualTo("HALTED");
    String canary = halted.getString("waves[0].hosts[0]");
    assertThat(
            given()
                .get("/api/v1/rollouts/" + id + "/hosts")
                .jsonPath()
                .getString("find { it.name == '" + canary + "' }.reason"))
        .isEqualTo("KERNEL_FELL_BACK");
    PackageVersion bad = new PackageVersion("kernel-core", DnfFleet.BAD);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(DnfFleet.SERVERS.values())
                    .filteredOn(s -> !s.host().name().equals(canary))
                    .allSatisfy(s -> assertThat(s.host().pins()).containsExactly(bad)));
    for (EmulatedSshServer s : DnfFleet.SERVERS.values()) {
      EmulatedHost h = s.host();
      assertThat(s.injections()).isEmpty();
      List<List<String>> installs =
          h.received().stream()
              .filter(r -> r.mutating() && r.argv().contains("install"))
              .map(EmulatedHost.Received::argv)
              .toList();
      if (h.name().equals(canary)) {
        assertThat(installs)
            .singleElement()
            .satisfies(argv -> assertThat(argv).contains("kernel-core-" + DnfFleet.BAD));
        // booted on trial through grubby: it panicked, rebooted by itself into its old kernel
        assertThat(h.isPanicked()).isFalse();
        assertThat(h.fallbacks()).isEqualTo(1);
        assertThat(h.runningKernel()).isEqualTo(h.defaultKernel()).doesNotContain(DnfFleet.BAD);
      } else {
        assertThat(installs).as("installs on %s", h.name()).isEmpty();
      }
    }
  }

  @Test
  @Order(3)
  void anOpensslFixRollsOutWithExactVersions() {
    putPolicy(
        "pg-openssl",
        """
        selector: {matchLabels: {role: postgres}}
        packages: {include: ["openssl"]}
        disruption: {groupBy: [pg-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 2}
        waves:
          - {name: canary, size: 1}
          - {name: rest, size: 100%}
        health: {checks: [{builtin: reachable}, {builtin: system-running}]}
        """);
    // while the canary is down, its cluster is not touched (a member is down); an operator brings
    // it back on its old kernel first
    DnfFleet.SERVERS.values().stream()
        .map(EmulatedSshServer::host)
        .filter(EmulatedHost::isPanicked)
        .forEach(EmulatedHost::powerCycle);
    long id = start("{\"policy\": \"pg-openssl\"}");
    JsonPath done = awaitFinished(id);
    assertThat(done.getString("phase")).startsWith("COMPLETED");
    assertThat(done.getList("patchSet.version")).containsExactly(DnfFleet.OPENSSL_FIX);
    long patched =
        DnfFleet.SERVERS.values().stream()
            .filter(s -> DnfFleet.OPENSSL_FIX.equals(s.host().installed().get("openssl")))
            .count();
    assertThat(patched).isEqualTo(6);
  }

  @Test
  @Order(4)
  void aHostRunningDnfAutomaticIsAdopted() {
    putPolicy(
        "pg-adopt",
        """
        selector: {matchLabels: {pg-cluster: b}}
        adopt: true
        waves:
          - {size: 100%}
        """);
    EmulatedHost auto = DnfFleet.host("pg-b-3");
    auto.publish("openssl", "1:3.0.7-28.el9");
    given().post("/api/v1/hosts/pg-b-3/scan").then().statusCode(200);
    assertThat(auto.adopted()).isTrue();
    assertThat(auto.runUnattendedUpgrades()).isEmpty();
    assertThat(
            given()
                .post("/api/v1/hosts/pg-b-3/scan")
                .jsonPath()
                .getBoolean("scan.selfUpdate.updatesItself"))
        .isFalse();
  }
}
