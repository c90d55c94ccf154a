package dev.patchwave.health;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.patchwave.policy.CheckCatalogue;
import dev.patchwave.policy.CheckCatalogue.Datasource;
import dev.patchwave.policy.RolloutPolicy.PrometheusCheck;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Verdict;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A PromQL instant query against a Prometheus datasource of the catalogue ({@code /api/v1/query}).
 * Every sample must lie within [min, max]. No sample, an error answer, or an unreachable Prometheus
 * is INCONCLUSIVE: absence of data is never health. The result carries the verdict, the value that
 * decided it and a fixed reason, never text of the answer (labels, error messages, a body that is
 * not JSON).
 */
public final class PrometheusQueryCheck implements HealthCheck {

  static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final Pattern ERROR_TYPE = Pattern.compile("[a-z_]{1,32}");

  private final PrometheusCheck spec;
  private final Optional<Datasource> source;
  private final Function<Datasource, HttpClient> clients;
  private final ObjectMapper json;

  /**
   * {@code source}: the datasource the check queries, if there is one; {@code clients}: the HTTP
   * client for a datasource (its TLS trust), which throws {@link IllegalStateException} if that
   * cannot be set up.
   */
  public PrometheusQueryCheck(
      PrometheusCheck spec,
      Optional<Datasource> source,
      Function<Datasource, HttpClient> clients,
      ObjectMapper json) {
    this.spec = spec;
    this.source = source;
    this.clients = clients;
    this.json = json;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public CheckResult check(Target t) {
    if (source.isEmpty()) {
      return inconclusive(
          spec.datasource()
              .map(d -> "Prometheus datasource '" + d + "' is not in the check catalogue")
              .orElse(
                  "no Prometheus datasource '"
                      + CheckCatalogue.DEFAULT_DATASOURCE
                      + "' (patchwave.prometheus.url or the check catalogue)"));
    }
    Datasource ds = source.get();
    String query = Placeholders.expand(spec.query(), t.host(), false);
    String url =
        ds.url().replaceAll("/+$", "") + "/api/v1/query?query=" + Placeholders.query(query);
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET();
      if (ds.bearerTokenFile().isPresent()) {
        String token;
        try {
          token = Files.readString(Path.of(ds.bearerTokenFile().get())).strip();
        } catch (IOException e) {
          return inconclusive(
              "the bearer token file of datasource '" + ds.name() + "' is unreadable");
        }
        request.header("Authorization", "Bearer " + token);
      }
      HttpClient http;
      try {
        http = clients.apply(ds);
      } catch (IllegalStateException e) {
        return inconclusive("the CA file of datasource '" + ds.name() + "' could not be loaded");
      }
      HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return inconclusive("Prometheus answered HTTP " + r.statusCode());
      }
      JsonNode body;
      try {
        body = json.readTree(r.body());
      } catch (JacksonException e) {
        return inconclusive("Prometheus answered something other than JSON");
      }
      if (!"success".equals(body.path("status").asText())) {
        String type = body.path("errorType").asText("");
        return inconclusive(
            "Prometheus refused the query"
                + (ERROR_TYPE.matcher(type).matches() ? " (" + type + ")" : ""));
      }
      JsonNode data = body.path("data");
      JsonNode result = data.path("result");
      if ("scalar".equals(data.path("resultType").asText())) {
        return judge(result.path(1).asText(), 0, 1);
      }
      if (!result.isArray() || result.isEmpty()) {
        return inconclusive("the query returned no samples");
      }
      for (int i = 0; i < result.size(); i++) {
        CheckResult one = judge(result.get(i).path("value").path(1).asText(), i, result.size());
        if (one.verdict() != Verdict.PASS) {
          return one;
        }
      }
      return new CheckResult(name(), Verdict.PASS, result.size() + " samples within bounds");
    } catch (IOException | IllegalArgumentException e) {
      return inconclusive("Prometheus unreachable (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return inconclusive("interrupted");
    }
  }

  private CheckResult judge(String text, int index, int samples) {
    String which = samples == 1 ? "" : "sample " + (index + 1) + " of " + samples + ": ";
    double v;
    try {
      v = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return inconclusive(which + "not a number");
    }
    if (Double.isNaN(v)) {
      return inconclusive(which + "NaN");
    }
    if (spec.min().isPresent() && v < spec.min().get()) {
      return new CheckResult(name(), Verdict.FAIL, which + v + " < min " + spec.min().get());
    }
    if (spec.max().isPresent() && v > spec.max().get()) {
      return new CheckResult(name(), Verdict.FAIL, which + v + " > max " + spec.max().get());
    }
    return new CheckResult(name(), Verdict.PASS, samples == 1 ? "value " + v : "within bounds");
  }

  private CheckResult inconclusive(String why) {
    return new CheckResult(name(), Verdict.INCONCLUSIVE, why);
  }
}
