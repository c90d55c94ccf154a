package dev.patchwave.health;

import dev.patchwave.policy.RolloutPolicy.HttpCheck;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Verdict;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;

/**
 * An HTTP GET: the expected status passes, another status or a refused connection fails, a timeout
 * is inconclusive.
 */
public final class HttpProbeCheck implements HealthCheck {

  private final HttpCheck spec;
  private final HttpClient http;

  public HttpProbeCheck(HttpCheck spec, HttpClient http) {
    this.spec = spec;
    this.http = http;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public CheckResult check(Target t) {
    String url = Placeholders.expand(spec.url(), t.host(), true);
    try {
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(spec.timeout()).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == spec.expectStatus()
          ? new CheckResult(name(), Verdict.PASS, "HTTP " + r.statusCode())
          : new CheckResult(
              name(), Verdict.FAIL, "HTTP " + r.statusCode() + ", expected " + spec.expectStatus());
    } catch (HttpTimeoutException e) {
      return new CheckResult(name(), Verdict.INCONCLUSIVE, "no answer within " + spec.timeout());
    } catch (ConnectException e) {
      return new CheckResult(name(), Verdict.FAIL, "connection refused");
    } catch (IOException | IllegalArgumentException e) {
      return new CheckResult(name(), Verdict.INCONCLUSIVE, "probe failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CheckResult(name(), Verdict.INCONCLUSIVE, "interrupted");
    }
  }
}
