package dev.patchwave.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.policy.RolloutPolicy.PrometheusCheck;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Verdict;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A PromQL instant query against the Prometheus HTTP API ({@code /api/v1/query}). Every sample must
 * lie within [min, max]. No sample, an error answer, or an unreachable Prometheus is INCONCLUSIVE:
 * absence of data is never health.
 */
public final class PrometheusQueryCheck implements HealthCheck {

  static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final PrometheusCheck spec;
  private final Optional<String> defaultUrl;
  private final HttpClient http;
  private final ObjectMapper json;

  public PrometheusQueryCheck(
      PrometheusCheck spec, Optional<String> defaultUrl, HttpClient http, ObjectMapper json) {
    this.spec = spec;
    this.defaultUrl = defaultUrl;
    this.http = http;
    this.json = json;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public CheckResult check(Target t) {
    Optional<String> base = spec.url().or(() -> defaultUrl);
    if (base.isEmpty()) {
      return inconclusive("no Prometheus configured (patchwave.prometheus.url or the check's url)");
    }
    String query = Placeholders.expand(spec.query(), t.host(), false);
    String url =
        base.get().replaceAll("/+$", "") + "/api/v1/query?query=" + Placeholders.query(query);
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return inconclusive("Prometheus answered HTTP " + r.statusCode());
      }
      JsonNode body = json.readTree(r.body());
      if (!"success".equals(body.path("status").asText())) {
        return inconclusive("Prometheus: " + body.path("error").asText("query failed"));
      }
      JsonNode data = body.path("data");
      JsonNode result = data.path("result");
      if ("scalar".equals(data.path("resultType").asText())) {
        return judge(result.path(1).asText(), 1);
      }
      if (!result.isArray() || result.isEmpty()) {
        return inconclusive("the query returned no samples");
      }
      for (JsonNode sample : result) {
        CheckResult one = judge(sample.path("value").path(1).asText(), result.size());
        if (one.verdict() != Verdict.PASS) {
          return new CheckResult(
              name(), one.verdict(), one.detail() + " for " + sample.path("metric"));
        }
      }
      return new CheckResult(name(), Verdict.PASS, result.size() + " samples within bounds");
    } catch (IOException | IllegalArgumentException e) {
      return inconclusive("Prometheus unreachable: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return inconclusive("interrupted");
    }
  }

  private CheckResult judge(String text, int samples) {
    double v;
    try {
      v = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return inconclusive("not a number: " + text);
    }
    if (Double.isNaN(v)) {
      return inconclusive("NaN");
    }
    if (spec.min().isPresent() && v < spec.min().get()) {
      return new CheckResult(name(), Verdict.FAIL, v + " < min " + spec.min().get());
    }
    if (spec.max().isPresent() && v > spec.max().get()) {
      return new CheckResult(name(), Verdict.FAIL, v + " > max " + spec.max().get());
    }
    return new CheckResult(name(), Verdict.PASS, samples == 1 ? "value " + v : "within bounds");
  }

  private CheckResult inconclusive(String why) {
    return new CheckResult(name(), Verdict.INCONCLUSIVE, why);
  }
}
