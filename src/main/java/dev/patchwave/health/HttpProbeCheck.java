package dev.patchwave.health;

import dev.patchwave.policy.CheckCatalogue.HttpTarget;
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
import java.util.Optional;

/**
 * An HTTP GET of the catalogue target the policy names (or the policy's own URL where the
 * controller allows inline URLs): the expected status passes, another status or a refused
 * connection fails, a timeout is inconclusive. The result carries the status and a fixed reason,
 * never a byte of the answer.
 */
public final class HttpProbeCheck implements HealthCheck {

  private final HttpCheck spec;
  private final Optional<HttpTarget> target;
  private final HttpClient http;

  /** {@code target}: the catalogue's target {@code spec} names, if it names one that exists. */
  public HttpProbeCheck(HttpCheck spec, Optional<HttpTarget> target, HttpClient http) {
    this.spec = spec;
    this.target = target;
    this.http = http;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public CheckResult check(Target t) {
    Optional<String> template =
        spec.target().isPresent() ? target.map(HttpTarget::url) : spec.url();
    if (template.isEmpty()) {
      return new CheckResult(
          name(),
          Verdict.INCONCLUSIVE,
          "HTTP target '" + spec.target().orElse("") + "' is not in the check catalogue");
    }
    String url = Placeholders.expand(template.get(), t.host(), true);
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
      // the JDK's message may quote the answer (an invalid status line): the kind of error only
      return new CheckResult(
          name(), Verdict.INCONCLUSIVE, "probe failed (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CheckResult(name(), Verdict.INCONCLUSIVE, "interrupted");
    }
  }
}
