package dev.patchwave.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * OIDC for the CLI: the device authorization grant (RFC 8628) to log in (the person opens a URL on
 * any device and enters a code; the CLI polls the provider's token endpoint), and the refresh token
 * to renew the access token when it runs out. The client is public (no secret), as device clients
 * are.
 */
final class OidcLogin {

  /** Renew this long before the access token expires. */
  private static final Duration EARLY = Duration.ofSeconds(30);

  private final HttpClient http;
  private final Duration timeout;

  OidcLogin(Duration timeout) {
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** The tokens a login or a renewal returns. */
  record Tokens(String access, String refresh, long expiresAt) {}

  /** Runs the device flow: prints where to go and the code, waits for the person. */
  Tokens device(String issuer, String clientId, String scope, PrintWriter say)
      throws InterruptedException {
    JsonNode discovery = discovery(issuer);
    String deviceEndpoint = discovery.path("device_authorization_endpoint").asText("");
    if (deviceEndpoint.isEmpty()) {
      throw CliException.error(issuer + " does not offer the device flow (no device endpoint)");
    }
    JsonNode start =
        form(deviceEndpoint, Map.of("client_id", clientId, "scope", scope), "device authorization");
    String verification =
        start.path("verification_uri_complete").asText(start.path("verification_uri").asText());
    say.println("Open " + verification + " and enter the code " + start.path("user_code").asText());
    say.flush();
    Duration every = Duration.ofSeconds(Math.max(1, start.path("interval").asLong(5)));
    Instant giveUp = Instant.now().plusSeconds(start.path("expires_in").asLong(600));
    String tokenEndpoint = discovery.path("token_endpoint").asText();
    Map<String, String> poll = new LinkedHashMap<>();
    poll.put("grant_type", "urn:ietf:params:oauth:grant-type:device_code");
    poll.put("device_code", start.path("device_code").asText());
    poll.put("client_id", clientId);
    while (Instant.now().isBefore(giveUp)) {
      Thread.sleep(every.toMillis());
      HttpResponse<String> r = post(tokenEndpoint, poll);
      JsonNode answer = json(r.body(), "token");
      if (r.statusCode() == 200) {
        return tokens(answer);
      }
      switch (answer.path("error").asText()) {
        case "authorization_pending" -> {}
        case "slow_down" -> every = every.plusSeconds(5);
        case "access_denied" -> throw CliException.refused("the login was denied");
        case "expired_token" -> throw CliException.error("the code expired; log in again");
        default ->
            throw CliException.error("the provider refused the login: " + answer.path("error"));
      }
    }
    throw CliException.error("the code expired; log in again");
  }

  /** A context's access token, renewed (and the context saved) when it is about to run out. */
  String fresh(Config.Context ctx, Path configPath) {
    if (ctx.token() != null
        && ctx.tokenExpiresAt() != null
        && Instant.now().plus(EARLY).getEpochSecond() < ctx.tokenExpiresAt()) {
      return ctx.token();
    }
    if (ctx.refreshToken() == null) {
      throw CliException.error(
          "the OIDC login of context '"
              + ctx.name()
              + "' expired: run patchwave login --oidc again");
    }
    String tokenEndpoint = discovery(ctx.oidcIssuer()).path("token_endpoint").asText();
    HttpResponse<String> r =
        post(
            tokenEndpoint,
            Map.of(
                "grant_type", "refresh_token",
                "refresh_token", ctx.refreshToken(),
                "client_id", ctx.oidcClientId()));
    if (r.statusCode() != 200) {
      throw CliException.error(
          "the OIDC login of context '"
              + ctx.name()
              + "' expired: run patchwave login --oidc again");
    }
    Tokens t = tokens(json(r.body(), "token"));
    Config.Context renewed =
        new Config.Context(
            ctx.name(),
            ctx.server(),
            null,
            null,
            t.access(),
            ctx.oidcIssuer(),
            ctx.oidcClientId(),
            t.refresh() != null ? t.refresh() : ctx.refreshToken(),
            t.expiresAt());
    Config.Document doc = Config.load(configPath);
    Config.save(configPath, Config.with(doc, renewed, ctx.name().equals(doc.currentContext())));
    return t.access();
  }

  private JsonNode discovery(String issuer) {
    URI uri = URI.create(issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration");
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw CliException.error("no OpenID discovery at " + uri + " (" + r.statusCode() + ")");
      }
      return json(r.body(), "discovery");
    } catch (IOException e) {
      throw CliException.error("cannot reach the OIDC provider " + issuer + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.error("interrupted");
    }
  }

  private JsonNode form(String url, Map<String, String> fields, String what) {
    HttpResponse<String> r = post(url, fields);
    if (r.statusCode() != 200) {
      throw CliException.error("the provider refused the " + what + " (" + r.statusCode() + ")");
    }
    return json(r.body(), what);
  }

  private HttpResponse<String> post(String url, Map<String, String> fields) {
    String body =
        fields.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(url))
              .timeout(timeout)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .header("Accept", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw CliException.error("cannot reach the OIDC provider: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.error("interrupted");
    }
  }

  private static Tokens tokens(JsonNode answer) {
    String access = answer.path("access_token").asText("");
    if (access.isEmpty()) {
      throw CliException.error("the provider answered without an access token");
    }
    return new Tokens(
        access,
        answer.hasNonNull("refresh_token") ? answer.get("refresh_token").asText() : null,
        Instant.now().getEpochSecond() + answer.path("expires_in").asLong(300));
  }

  private static JsonNode json(String body, String what) {
    try {
      return Api.JSON.readTree(body);
    } catch (IOException e) {
      throw CliException.error("the provider's " + what + " answer is not JSON");
    }
  }
}
