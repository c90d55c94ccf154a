package dev.patchwave.metrics;

import static dev.patchwave.testing.RolloutApi.phase;
import static dev.patchwave.testing.RolloutApi.putPolicy;
import static dev.patchwave.testing.RolloutApi.start;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.patchwave.testing.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs one rollout that halts and one that completes on a fresh demo fleet, then reads /q/metrics:
 * the values say what happened, every metric of {@link MetricNames} is exposed, no label carries a
 * host name, and every metric the Grafana dashboard and the alert rules under deploy/ use exists.
 */
@QuarkusTest
@TestProfile(MetricsAndMonitoringFilesTest.OwnFleet.class)
class MetricsAndMonitoringFilesTest {

  /** A database and a demo fleet of its own: the counts below are this test's alone. */
  public static class OwnFleet implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.datasource.jdbc.url", "jdbc:h2:mem:metrics;DB_CLOSE_DELAY=-1",
          "patchwave.metrics.refresh", "200ms");
    }
  }

  static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? ", Pattern.MULTILINE);
  static final Pattern METRIC_IN_QUERY = Pattern.compile("\\b(patchwave_[a-z_]+)\\b");

  @BeforeAll
  static void admin() {
    TestTokens.actAsAdmin();
  }

  @Test
  void metricsTellWhatHappenedAndTheDeployFilesUseOnlyRealMetrics() throws Exception {
    putPolicy(
        "brokers",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy", "metadata": {"name": "brokers"},
         "spec": {"selector": {"matchLabels": {"role": "kafka"}},
                  "packages": {"include": ["linux-*"]},
                  "disruption": {"groupBy": ["kafka-cluster"], "maxUnavailablePerGroup": 1},
                  "canary": {"coverBy": ["os-release", "hardware"]},
                  "waves": [{"name": "canary", "size": 1}, {"size": "100%"}],
                  "health": {"interval": "5s", "timeout": "5s"}}}
        """);
    putPolicy(
        "web",
        """
        {"apiVersion": "patchwave.dev/v1", "kind": "RolloutPolicy", "metadata": {"name": "web"},
         "spec": {"selector": {"matchLabels": {"role": "web"}},
                  "packages": {"include": ["openssl"]}, "reboot": "never",
                  "canary": {"coverBy": ["os-release"]},
                  "waves": [{"name": "canary", "size": 1},
                            {"name": "rest", "size": "100%", "approval": "manual"}],
                  "health": {"interval": "5s", "timeout": "30s"}}}
        """);
    long halted = start("brokers");
    await().atMost(Duration.ofSeconds(60)).until(() -> phase(halted).equals("HALTED"));
    long done = start("web");
    await().atMost(Duration.ofSeconds(60)).until(() -> phase(done).equals("AWAITING_APPROVAL"));

    // an unfinished rollout has its own gauges, labelled by rollout and policy
    String r = "rollout=\"" + done + "\"";
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String m = metrics();
              assertThat(value(m, "patchwave_rollout_waves{" + r + "}")).isEqualTo(2);
              assertThat(value(m, "patchwave_rollout_wave{" + r + "}")).isEqualTo(1);
              assertThat(value(m, "patchwave_rollout_hosts{" + r + "}")).isEqualTo(10);
              assertThat(value(m, "patchwave_rollout_hosts_done{" + r + "}")).isEqualTo(2);
              assertThat(
                      value(
                          m,
                          "patchwave_rollout_phase_since_timestamp_seconds{"
                              + r
                              + ",phase=\"AWAITING_APPROVAL\"}"))
                  .isGreaterThan(1.7e9);
            });
    Set<String> exposed = sampleNames(metrics());

    given()
        .auth()
        .oauth2(TestTokens.APPROVER)
        .post("/api/v1/rollouts/" + done + "/waves/1/approve")
        .then()
        .statusCode(200);
    await().atMost(Duration.ofSeconds(60)).until(() -> phase(done).equals("COMPLETED"));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String m = metrics();
              assertThat(value(m, "patchwave_rollouts{phase=\"HALTED\"}")).isEqualTo(1);
              assertThat(value(m, "patchwave_health_checks_total{verdict=\"PASS\"}"))
                  .isGreaterThanOrEqualTo(10);
              assertThat(value(m, "patchwave_rollouts{phase=\"COMPLETED\"}")).isEqualTo(1);
              assertThat(value(m, "patchwave_rollouts{phase=\"RUNNING\"}")).isEqualTo(0);
              assertThat(value(m, "patchwave_rollouts_started_total{policy=\"brokers\"}"))
                  .isEqualTo(1);
              assertThat(value(m, "patchwave_rollouts_halted_total{policy=\"brokers\"}"))
                  .isEqualTo(1);
              assertThat(value(m, "patchwave_rollouts_completed_total{policy=\"web\"}"))
                  .isEqualTo(1);
              assertThat(value(m, "patchwave_quarantined_versions")).isEqualTo(1);
              assertThat(value(m, "patchwave_halt_detection_seconds_count")).isEqualTo(1);
              assertThat(value(m, "patchwave_halt_detection_seconds_max")).isBetween(0.0, 7.0);
              assertThat(value(m, "patchwave_drains_in_progress")).isEqualTo(0);
            });

    String m = metrics();
    Set<String> samples = sampleNames(m);
    samples.addAll(exposed); // the per-rollout gauges were there while the rollout ran
    for (String name : MetricNames.ALL) {
      assertThat(
              samples.stream()
                  .anyMatch(
                      s ->
                          s.equals(name)
                              || s.matches(Pattern.quote(name) + "_(bucket|count|sum|max)")))
          .as("exposed: %s", name)
          .isTrue();
    }
    // no label value is a host name
    List<String> hostNames = given().get("/api/v1/hosts").jsonPath().getList("name", String.class);
    for (String line : m.lines().filter(l -> l.startsWith("patchwave_")).toList()) {
      for (String h : hostNames) {
        assertThat(line).doesNotContain("\"" + h + "\"");
      }
    }

    Set<String> used = new TreeSet<>();
    for (String expr : alertExpressions()) {
      used.addAll(metricsIn(expr));
    }
    for (String expr : dashboardExpressions()) {
      used.addAll(metricsIn(expr));
    }
    assertThat(used).hasSizeGreaterThan(8);
    assertThat(samples).containsAll(used);
  }

  static List<String> alertExpressions() throws Exception {
    JsonNode rules =
        new YAMLMapper()
            .readTree(Files.readString(Path.of("deploy/monitoring/patchwave-alerts.yaml")));
    List<String> out = new ArrayList<>();
    for (JsonNode group : rules.get("groups")) {
      for (JsonNode rule : group.get("rules")) {
        assertThat(rule.hasNonNull("alert")).isTrue();
        out.add(rule.get("expr").asText());
      }
    }
    assertThat(out).hasSizeGreaterThanOrEqualTo(3);
    return out;
  }

  static List<String> dashboardExpressions() throws Exception {
    JsonNode dash =
        new ObjectMapper()
            .readTree(Files.readString(Path.of("deploy/monitoring/grafana-dashboard.json")));
    List<String> out = new ArrayList<>();
    for (JsonNode panel : dash.get("panels")) {
      for (JsonNode t : panel.get("targets")) {
        out.add(t.get("expr").asText());
      }
    }
    return out;
  }

  /** Metric names in a PromQL expression (ours only; up, time() and friends are Prometheus'). */
  static Set<String> metricsIn(String expr) {
    Set<String> out = new TreeSet<>();
    Matcher m = METRIC_IN_QUERY.matcher(expr);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  static Set<String> sampleNames(String exposition) {
    Set<String> out = new TreeSet<>();
    Matcher m = SAMPLE.matcher(exposition);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** The sum of the samples of that name that carry every label of the selector. */
  static double value(String exposition, String selector) {
    String name = selector.contains("{") ? selector.substring(0, selector.indexOf('{')) : selector;
    String label =
        selector.contains("{")
            ? selector.substring(selector.indexOf('{') + 1, selector.length() - 1)
            : "";
    return exposition
        .lines()
        .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .filter(l -> Arrays.stream(label.split(",")).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  static String metrics() {
    return given().auth().none().get("/q/metrics").then().statusCode(200).extract().asString();
  }
}
