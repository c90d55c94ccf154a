package dev.patchwave.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The REST API over HTTP: a bearer token on every call, JSON answers, problem+json refusals turned
 * into exit code 2 with the API's detail (and every located problem), anything else that fails into
 * exit code 1.
 */
final class Api {

  static final ObjectMapper JSON = new ObjectMapper();

  /** One answer: its status, body, and Location header if any. */
  record Answer(int status, String body, Optional<String> location) {
    JsonNode json() {
      try {
        return body.isEmpty() ? JSON.nullNode() : JSON.readTree(body);
      } catch (IOException e) {
        throw CliException.error("the controller's answer is not JSON (" + status + ")");
      }
    }
  }

  private final URI server;
  private final String token;
  private final HttpClient http;
  private final Duration timeout;

  Api(URI server, String token, Duration timeout) {
    this.server = server;
    this.token = token;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  URI server() {
    return server;
  }

  JsonNode get(String path) {
    return ok(send("GET", path, null, null)).json();
  }

  Answer post(String path, Object jsonBody) {
    return ok(send("POST", path, "application/json", body(jsonBody)));
  }

  Answer send(String method, String path, String contentType, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.toString().replaceAll("/+$", "") + path))
            .timeout(timeout)
            .header("Accept", "application/json")
            .header("Authorization", "Bearer " + token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    try {
      HttpResponse<String> r =
          http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Location"));
    } catch (HttpTimeoutException e) {
      throw CliException.error("no answer from " + server + " within " + timeout.toSeconds() + "s");
    } catch (ConnectException e) {
      throw CliException.error("cannot connect to " + server + " (is the controller running?)");
    } catch (IOException e) {
      throw CliException.error("talking to " + server + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.error("interrupted");
    }
  }

  /** The answer if it is a success; else the refusal (4xx: exit 2) or the failure (exit 1). */
  static Answer ok(Answer a) {
    if (a.status() >= 200 && a.status() < 300) {
      return a;
    }
    String text = problem(a);
    throw a.status() >= 400 && a.status() < 500
        ? CliException.refused(text)
        : CliException.error(text);
  }

  /** "409 conflict: rollout 3: ..." and each located problem on its own line. */
  static String problem(Answer a) {
    StringBuilder out = new StringBuilder().append(a.status());
    try {
      JsonNode p = JSON.readTree(a.body());
      String type = p.path("type").asText("");
      if (!type.isEmpty()) {
        out.append(' ').append(type.substring(type.lastIndexOf('/') + 1));
      }
      if (p.hasNonNull("detail")) {
        out.append(": ").append(p.get("detail").asText());
      }
      for (JsonNode e : p.path("errors")) {
        out.append("\n  ").append(e.path("path").asText());
        if (e.path("line").asInt() > 0) {
          out.append(" (line ")
              .append(e.path("line").asInt())
              .append(", column ")
              .append(e.path("column").asInt())
              .append(')');
        }
        out.append(": ").append(e.path("message").asText());
      }
    } catch (IOException | RuntimeException e) {
      out.append(" (no problem detail)");
    }
    return out.toString();
  }

  static String query(String name, String value) {
    return value == null ? "" : name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** {@code path} with the non-empty query parts joined. */
  static String path(String path, String... queryParts) {
    StringBuilder q = new StringBuilder();
    for (String part : queryParts) {
      if (!part.isEmpty()) {
        q.append(q.length() == 0 ? '?' : '&').append(part);
      }
    }
    return path + q;
  }

  private static byte[] body(Object jsonBody) {
    try {
      return jsonBody == null ? null : JSON.writeValueAsBytes(jsonBody);
    } catch (IOException e) {
      throw CliException.error("cannot write the request: " + e.getMessage());
    }
  }
}
