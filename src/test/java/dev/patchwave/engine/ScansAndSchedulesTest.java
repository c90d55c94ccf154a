package dev.patchwave.engine;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.testing.RolloutApi;
import dev.patchwave.testing.ScanFleet;
import dev.patchwave.testing.TestClock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Scans over real SSH (MINA servers answering as emulated Ubuntu hosts), facts as labels, the
 * fleet's updates view, the minimum package age, schedules, drift and adoption; time is a manual
 * clock the test moves.
 */
@QuarkusTest
@TestProfile(ScansAndSchedulesTest.Fleet.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScansAndSchedulesTest {

  public static class Fleet implements QuarkusTestProfile {
    @Override
    public Set<Class<?>> getEnabledAlternatives() {
      return Set.of(TestClock.class);
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(ScanFleet.class));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "patchwave.schedule.triggers-enabled", "true",
          "patchwave.schedule.sync-interval", "1s",
          // the test looks for overdue updates itself, at the moments it means to
          "patchwave.schedule.overdue-interval", "3650d");
    }
  }

  static final String HARDWARE = "facts.patchwave.dev/hardware";

  @Inject ScheduledRollouts schedules;
  @Inject org.quartz.Scheduler quartz;

  @BeforeAll
  static void admin() {
    RolloutApi.adminWithYaml();
  }

  static void putPolicy(String name, String spec) {
    RolloutApi.putYamlPolicy(name, spec);
  }

  static JsonPath awaitFinished(long id) {
    return RolloutApi.awaitFinished(id, Duration.ofSeconds(30));
  }

  static JsonPath scan(String host) {
    return given()
        .post("/api/v1/hosts/" + host + "/scan")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  static List<Map<String, Object>> events(String kind) {
    return given().queryParam("kind", kind).get("/api/v1/events").jsonPath().getList("$");
  }

  @Test
  @Order(1)
  void aScanReadsWhatTheHostIsAndNeeds() {
    JsonPath db1 = scan("db-1");
    assertThat(db1.getString("scanError")).isNull();
    assertThat(db1.getString("scan.osId")).isEqualTo("ubuntu");
    assertThat(db1.getString("scan.osRelease")).isEqualTo("22.04");
    assertThat(db1.getString("scan.kernel")).endsWith("-generic");
    assertThat(db1.getString("scan.hardware")).isEqualTo("Dell Inc. PowerEdge R640");
    assertThat(db1.getString("scan.virtualization")).isEqualTo("none");
    assertThat(db1.getBoolean("scan.selfUpdate.updatesItself")).isFalse();
    assertThat(db1.getString("scan.pending.find { it.name == 'openssl' }.candidate"))
        .isEqualTo(ScanFleet.JAMMY_FIX);
    assertThat(db1.getBoolean("scan.pending.find { it.name == 'openssl' }.security")).isTrue();
    assertThat(db1.getMap("host.labels"))
        .containsEntry(HARDWARE, "Dell-Inc.-PowerEdge-R640")
        .containsEntry("facts.patchwave.dev/os-release", "22.04")
        .containsEntry("facts.patchwave.dev/os-id", "ubuntu")
        .containsEntry("role", "db");

    JsonPath db2 = scan("db-2");
    assertThat(db2.getBoolean("scan.selfUpdate.updatesItself")).isTrue();
    assertThat(db2.getString("scan.selfUpdate.how")).contains("apt-daily-upgrade.timer enabled");
    JsonPath vm = scan("web-2");
    assertThat(vm.getString("scan.virtualization")).isEqualTo("kvm");
    assertThat(vm.getString("scan.hardware")).isNull();
    // a scan reads; it never changes a host
    for (String h : List.of("db-1", "db-2", "web-2")) {
      assertThat(ScanFleet.host(h).received())
          .as("commands on %s", h)
          .noneMatch(EmulatedHost.Received::mutating);
    }
  }

  @Test
  @Order(2)
  void aFailedScanKeepsTheLastGoodOneAndSaysWhy() {
    EmulatedHost db1 = ScanFleet.host("db-1");
    db1.powerOff();
    TestClock.CLOCK.advance(Duration.ofMinutes(1));
    try {
      JsonPath failed = scan("db-1");
      assertThat(failed.getString("scanError")).startsWith("unreachable");
      assertThat(failed.getString("scan.osRelease")).isEqualTo("22.04");
      assertThat(Instant.parse(failed.getString("lastAttempt")))
          .isAfter(Instant.parse(failed.getString("scan.at")));
      assertThat(failed.getMap("host.labels"))
          .containsEntry("facts.patchwave.dev/os-release", "22.04");
    } finally {
      db1.powerCycle();
    }
    assertThat(scan("db-1").getString("scanError")).isNull();
  }

  @Test
  @Order(2)
  void factsAreLabelsACanaryCanCover() {
    given().post("/api/v1/scans").then().statusCode(202);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> given().get("/api/v1/hosts").jsonPath().getList("labels." + "'" + HARDWARE + "'"),
            l -> l.stream().filter(x -> x != null).count() == 3);
    putPolicy(
        "by-hardware",
        """
        selector: {}
        canary: {coverBy: [facts.patchwave.dev/hardware, facts.patchwave.dev/os-release]}
        waves:
          - {name: canary, size: 1}
          - {size: 100%}
        """);
    JsonPath plan =
        given()
            .post("/api/v1/policies/by-hardware/plan")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    List<String> canaries = plan.getList("waves[0].batches.flatten().hosts.flatten().host");
    // one host per hardware model (Dell, HPE) and per release (22.04 is only db-1)
    assertThat(canaries).contains("db-1", "web-1");
    Set<Object> models =
        canaries.stream()
            .map(
                h ->
                    given()
                        .get("/api/v1/hosts/" + h)
                        .jsonPath()
                        .getMap("host.labels")
                        .get(HARDWARE))
            .filter(x -> x != null)
            .collect(Collectors.toSet());
    assertThat(models)
        .containsExactlyInAnyOrder("Dell-Inc.-PowerEdge-R640", "HPE-ProLiant-DL360-Gen10");
    // a selector may use the facts too: only db-1 runs 22.04
    putPolicy(
        "jammy-only",
        """
        selector: {matchLabels: {facts.patchwave.dev/os-release: "22.04"}}
        waves:
          - {size: 100%}
        """);
    assertThat(
            given()
                .queryParam("policy", "jammy-only")
                .get("/api/v1/hosts")
                .jsonPath()
                .getList("findAll { it.selected }.name"))
        .containsExactly("db-1");
    given().delete("/api/v1/policies/jammy-only").then().statusCode(204);
  }

  @Test
  @Order(3)
  void theUpdatesViewCountsWhoNeedsWhat() {
    JsonPath updates = given().get("/api/v1/updates").then().statusCode(200).extract().jsonPath();
    assertThat(updates.getLong("find { it.version == '" + ScanFleet.NOBLE_FIX + "' }.hosts"))
        .isEqualTo(3);
    assertThat(updates.getLong("find { it.version == '" + ScanFleet.JAMMY_FIX + "' }.hosts"))
        .isEqualTo(1);
    assertThat(updates.getString("find { it.version == '" + ScanFleet.NOBLE_FIX + "' }.origin"))
        .isEqualTo("security");
    assertThat(updates.getString("find { it.version == '" + ScanFleet.NOBLE_FIX + "' }.firstSeen"))
        .isNotNull();
    assertThat(
            updates.getBoolean("find { it.version == '" + ScanFleet.NOBLE_FIX + "' }.quarantined"))
        .isFalse();
  }

  @Test
  @Order(4)
  void aScheduleTakesOnlyVersionsOlderThanTheMinimumAge() throws Exception {
    putPolicy(
        "nightly",
        """
        selector: {matchLabels: {role: db}}
        trigger: {schedule: "0 0 3 ? * *", timeZone: Europe/Berlin, minPackageAge: 3d}
        waves:
          - {name: all, size: 100%}
        health: {checks: [{builtin: reachable}]}
        """);
    // kept in Quartz, in its time zone, and left alone while the policy does not change
    schedules.syncTriggers();
    var key = org.quartz.TriggerKey.triggerKey("nightly", "policy-trigger");
    var trigger = (org.quartz.CronTrigger) quartz.getTrigger(key);
    assertThat(trigger.getCronExpression()).isEqualTo("0 0 3 ? * *");
    assertThat(trigger.getTimeZone().getID()).isEqualTo("Europe/Berlin");
    schedules.syncTriggers();
    assertThat(quartz.getTrigger(key).getStartTime()).isEqualTo(trigger.getStartTime());
    putPolicy(
        "utc-nightly",
        """
        selector: {matchLabels: {role: nobody}}
        trigger: {schedule: "0 0 2 ? * *"}
        waves:
          - {size: 100%}
        """);
    schedules.syncTriggers();
    var utc = org.quartz.TriggerKey.triggerKey("utc-nightly", "policy-trigger");
    java.util.Date utcStart = quartz.getTrigger(utc).getStartTime();
    Thread.sleep(1100); // a trigger built again would start later (Quartz keeps whole seconds)
    schedules.syncTriggers();
    assertThat(quartz.getTrigger(utc).getStartTime()).isEqualTo(utcStart);
    given().delete("/api/v1/policies/utc-nightly").then().statusCode(204);
    schedules.syncTriggers();
    assertThat(quartz.checkExists(utc)).isFalse();

    // the versions were first seen by the scans above: younger than 3 days
    assertThat(schedules.fire("nightly")).isEmpty();
    assertThat(events("SCHEDULE_NOTHING_PENDING"))
        .anySatisfy(
            e -> {
              assertThat(e.get("policy")).isEqualTo("nightly");
              assertThat((String) e.get("detail")).contains("younger than minPackageAge 3d");
            });
    assertThat(given().get("/api/v1/rollouts").jsonPath().getList("$")).isEmpty();

    // by hand, the age rule holds too: the hosts need nothing old enough
    long manual =
        given()
            .contentType(ContentType.JSON)
            .body("{\"policy\": \"nightly\"}")
            .post("/api/v1/rollouts")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath()
            .getLong("id");
    JsonPath done = awaitFinished(manual);
    assertThat(done.getList("patchSet")).isEmpty();
    assertThat(done.getString("hosts.find { it.name == 'db-1' }.detail")).contains("held back");
    assertThat(ScanFleet.host("db-1").installed()).containsEntry("openssl", ScanFleet.JAMMY_OLD);

    // three days later the schedule takes them, and only them
    TestClock.CLOCK.advance(Duration.ofDays(3).plusHours(1));
    Optional<RolloutState> started = schedules.fire("nightly");
    assertThat(started).isPresent();
    assertThat(started.get().startedBy()).isEqualTo("schedule");
    assertThat(started.get().scope().versions().orElseThrow())
        .containsExactlyInAnyOrder(
            new PackageVersion("openssl", ScanFleet.JAMMY_FIX),
            new PackageVersion("openssl", ScanFleet.NOBLE_FIX));
    JsonPath rollout = awaitFinished(started.get().id());
    assertThat(rollout.getString("phase")).isEqualTo("COMPLETED");
    assertThat(ScanFleet.host("db-1").installed()).containsEntry("openssl", ScanFleet.JAMMY_FIX);
    assertThat(ScanFleet.host("db-2").installed()).containsEntry("openssl", ScanFleet.NOBLE_FIX);
    assertThat(events("SCHEDULE_STARTED"))
        .anySatisfy(e -> assertThat(e.get("rollout")).isEqualTo((int) started.get().id()));

    // the updates view says which rollout installed what where
    scan("db-1");
    JsonPath updates = given().get("/api/v1/updates").jsonPath();
    assertThat(updates.getList("findAll { it.version == '" + ScanFleet.JAMMY_FIX + "' }"))
        .isEmpty();
    assertThat(
            updates.getList(
                "find { it.version == '"
                    + ScanFleet.NOBLE_FIX
                    + "' }.installedBy.flatten().hosts.flatten()"))
        .containsExactly("db-2");
  }

  @Test
  @Order(5)
  void anUrgentFixByNameMayIgnoreTheAgeOnlyWhenAskedAndIsAudited() {
    // a fix published now is too young for "nightly", unless an operator names it
    ScanFleet.host("db-1").publish("openssl", "3.0.2-0ubuntu1.19");
    given()
        .contentType(ContentType.JSON)
        .body("{\"policy\": \"nightly\", \"ignoreMinAge\": true}")
        .post("/api/v1/rollouts")
        .then()
        .statusCode(400);
    long id =
        given()
            .contentType(ContentType.JSON)
            .body("{\"policy\": \"nightly\", \"packages\": [\"openssl\"], \"ignoreMinAge\": true}")
            .post("/api/v1/rollouts")
            .then()
            .statusCode(201)
            .extract()
            .jsonPath()
            .getLong("id");
    JsonPath done = awaitFinished(id);
    assertThat(done.getList("patchSet.version")).containsExactly("3.0.2-0ubuntu1.19");
    assertThat(ScanFleet.host("db-1").installed()).containsEntry("openssl", "3.0.2-0ubuntu1.19");
    assertThat(
            given()
                .queryParam("action", "rollout.ignoreMinAge")
                .get("/api/v1/audit")
                .jsonPath()
                .getList("target"))
        .containsExactly("rollout/" + id);
  }

  @Test
  @Order(6)
  void driftIsReportedAndTheQuarantinePinsAreWrittenAgain() {
    // db-2 updates itself: reported once when first seen
    assertThat(events("DRIFT_SELF_UPDATING"))
        .anySatisfy(e -> assertThat(e.get("host")).isEqualTo("db-2"));
    // web-1 runs apt upgrade by hand: the version no rollout installed is drift
    EmulatedHost web1 = ScanFleet.host("web-1");
    web1.setUnattendedUpgrades(true);
    assertThat(web1.runUnattendedUpgrades()).isNotEmpty();
    web1.setUnattendedUpgrades(false);
    scan("web-1");
    assertThat(events("DRIFT_INSTALLED"))
        .anySatisfy(
            e -> {
              assertThat(e.get("host")).isEqualTo("web-1");
              assertThat((String) e.get("detail"))
                  .contains("openssl=" + ScanFleet.NOBLE_FIX + " installed outside any rollout");
            });
    // versions a rollout installed are not drift
    scan("db-2");
    assertThat(events("DRIFT_INSTALLED")).noneMatch(e -> "db-2".equals(e.get("host")));

    // a quarantine pin file someone deleted is reported and written again
    long q = dev.patchwave.testing.RolloutApi.quarantine("curl", "8.5.0-2ubuntu10.6", "test");
    EmulatedHost db1 = ScanFleet.host("db-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> !db1.pins().isEmpty());
    db1.deletePinFile();
    scan("db-1");
    assertThat(events("DRIFT_PIN_FILE"))
        .anySatisfy(e -> assertThat((String) e.get("detail")).contains("missing"));
    assertThat(db1.pins()).containsExactly(new PackageVersion("curl", "8.5.0-2ubuntu10.6"));
    given()
        .delete("/api/v1/quarantine/" + q)
        .then()
        .statusCode(org.hamcrest.Matchers.oneOf(200, 204));
  }

  @Test
  @Order(7)
  void adoptionTurnsSelfUpdatingOffAndAdoptFalseRestoresIt() {
    String web =
        """
        selector: {matchLabels: {role: web}}
        adopt: %s
        waves:
          - {size: 100%%}
        """;
    putPolicy("web-adopt", web.formatted("true"));
    EmulatedHost web2 = ScanFleet.host("web-2");
    scan("web-2");
    assertThat(web2.adopted()).isTrue();
    assertThat(events("ADOPTED")).anySatisfy(e -> assertThat(e.get("host")).isEqualTo("web-2"));
    assertThat(scan("web-2").getBoolean("scan.selfUpdate.updatesItself")).isFalse();
    assertThat(web2.runUnattendedUpgrades()).isEmpty();

    putPolicy("web-adopt", web.formatted("false"));
    scan("web-2");
    assertThat(web2.adopted()).isFalse();
    assertThat(events("RESTORED")).anySatisfy(e -> assertThat(e.get("host")).isEqualTo("web-2"));
    assertThat(scan("web-2").getBoolean("scan.selfUpdate.updatesItself")).isTrue();
  }

  @Test
  @Order(8)
  void aSecurityUpdatePendingPastTheMaximumAgeRaisesOneAlert() {
    ScanFleet.host("web-1").publish("openssl", "3.0.13-0ubuntu3.6");
    scan("web-1");
    putPolicy(
        "web-overdue",
        """
        selector: {matchLabels: {role: web}}
        trigger: {schedule: "0 0 4 ? * SUN", minPackageAge: 1h, maxPackageAge: 2d}
        waves:
          - {size: 100%}
        """);
    // web-2 has had the fix of three days ago pending all along (it was left out of "nightly")
    assertThat(schedules.checkOverdue())
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).contains(ScanFleet.NOBLE_FIX).contains("web-2"));
    assertThat(schedules.checkOverdue()).isEmpty();
    TestClock.CLOCK.advance(Duration.ofDays(2).plusHours(1));
    List<FleetEvent> raised = schedules.checkOverdue();
    assertThat(raised)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.kind()).isEqualTo(FleetEvent.Kind.UPDATE_OVERDUE);
              assertThat(e.detail()).contains("openssl=3.0.13-0ubuntu3.6").contains("web-1");
            });
    assertThat(schedules.checkOverdue()).isEmpty();
  }

  @Test
  @Order(9)
  void quartzFiresThePolicyTriggerOnTheLeader() {
    putPolicy(
        "every-second",
        """
        selector: {matchLabels: {role: web}}
        trigger: {schedule: "* * * ? * *", minPackageAge: 30d}
        waves:
          - {size: 100%}
        """);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> events("SCHEDULE_NOTHING_PENDING"),
            l -> l.stream().anyMatch(e -> "every-second".equals(e.get("policy"))));
    given().delete("/api/v1/policies/every-second").then().statusCode(204);
  }
}
