package dev.patchwave.api;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Checks every request before it is routed: a body whose declared length is over the limit gets a
 * problem+json 413 before it is read ({@link BoundedBodies} counts the others as they are read),
 * and a path with matrix parameters ({@code /quarantine/1;x}) is refused rather than read as {@code
 * /quarantine/1}.
 */
@ApplicationScoped
public class RequestGuard {

  /**
   * The longest path and query served; the HTTP layer's own limit (its bare 414) is far above it
   * ({@code quarkus.http.limits.max-initial-line-length}).
   */
  static final int MAX_URI = 4096;

  private final long limit;

  public RequestGuard(
      @ConfigProperty(name = "patchwave.api.max-body-size")
          io.quarkus.runtime.configuration.MemorySize limit) {
    this.limit = limit.asLongValue();
  }

  void register(@Observes Filters filters) {
    filters.register(this::check, 100);
  }

  void check(RoutingContext rc) {
    if (rc.request().uri().length() > MAX_URI) {
      refuse(
          rc,
          414,
          "uri-too-long",
          "The request URI is too long",
          "the path and query may be at most " + MAX_URI + " characters");
      return;
    }
    if (rc.request().path().contains(";")) {
      refuse(rc, 400, "bad-request", "The request is malformed", "a path may not contain ';'");
      return;
    }
    String length = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > limit) {
          refuse(
              rc,
              413,
              "payload-too-large",
              "The request body is too large",
              "the body may be at most " + limit + " bytes");
          return;
        }
      } catch (NumberFormatException e) {
        // the HTTP layer refuses a malformed length itself
      }
    }
    rc.next();
  }

  /**
   * Answers problem+json and closes; {@code title} and {@code detail} are fixed texts (no quotes).
   */
  static void refuse(RoutingContext rc, int status, String type, String title, String detail) {
    rc.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, ProblemDetail.MEDIA_TYPE)
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(
            "{\"type\":\"https://patchwave.dev/problems/"
                + type
                + "\",\"title\":\""
                + title
                + "\",\"status\":"
                + status
                + ",\"detail\":\""
                + detail
                + "\"}");
  }
}
