package dev.patchwave.api.console;

import dev.patchwave.api.CsrfGuard;
import dev.patchwave.persistence.AuditLog;
import dev.patchwave.security.ApiToken;
import dev.patchwave.security.ApiTokenMechanism;
import dev.patchwave.security.ApiTokens;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The console's login: a person pastes an API token once; the controller checks it and keeps it in
 * a session cookie that scripts cannot read ({@code HttpOnly}, {@code SameSite=Strict}, {@code
 * Secure} over TLS), with a fresh CSRF token beside it. The token is never put in a URL. Every
 * request after that is authenticated by the cookie exactly as the API authenticates a bearer token
 * (same roles, same audit); what changes anything also needs the CSRF token ({@link CsrfGuard}).
 */
@Path("/console")
@PermitAll
public class ConsoleLogin {

  private static final Logger LOG = Logger.getLogger(ConsoleLogin.class);

  /** Where a browser goes to log in through the OIDC provider (authorization-code flow). */
  static final String OIDC_LOGIN = "/console/oidc-login";

  /** The OIDC session's cookie (Quarkus' default tenant). */
  private static final String OIDC_SESSION = "q_session";

  private final ApiTokens tokens;
  private final AuditLog audit;
  private final SecurityIdentity identity;
  private final boolean oidcLogin;

  public ConsoleLogin(
      ApiTokens tokens,
      AuditLog audit,
      SecurityIdentity identity,
      @ConfigProperty(name = "quarkus.oidc.tenant-enabled") boolean oidcEnabled,
      @ConfigProperty(name = "quarkus.oidc.application-type") String oidcType) {
    this.tokens = tokens;
    this.audit = audit;
    this.identity = identity;
    // the code flow needs OIDC on, for browsers (web-app) or for both kinds of caller (hybrid)
    this.oidcLogin =
        oidcEnabled
            && (oidcType.equalsIgnoreCase("hybrid") || oidcType.equalsIgnoreCase("web-app"));
  }

  @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
  static class Templates {
    static native TemplateInstance login(String csrf, String error, boolean oidc);
  }

  @GET
  @Produces(MediaType.TEXT_HTML)
  public Response root() {
    return Response.seeOther(URI.create("/console/rollouts")).build();
  }

  @GET
  @Path("login")
  @Produces(MediaType.TEXT_HTML)
  public Response loginPage(@Context UriInfo uri) {
    // a new CSRF token for every login form: the form proves it came from this page
    String csrf = CsrfGuard.newToken();
    return Response.ok(Templates.login(csrf, null, oidcLogin))
        .cookie(cookie(CsrfGuard.COOKIE, csrf, uri))
        .build();
  }

  @POST
  @Path("login")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  @Produces(MediaType.TEXT_HTML)
  public Response login(
      @FormParam("token") String token,
      @FormParam("csrf") String csrf,
      @CookieParam(CsrfGuard.COOKIE) String expectedCsrf,
      @Context UriInfo uri) {
    if (!CsrfGuard.matches(expectedCsrf, csrf)) {
      return again(403, "The login form expired. Please try again.", uri);
    }
    String presented = token == null ? "" : token.strip();
    Optional<ApiToken> found =
        presented.startsWith(ApiTokens.PREFIX) ? tokens.find(presented) : Optional.empty();
    if (found.isEmpty()) {
      LOG.infof("console login refused (unknown token)");
      return again(401, "That token is not valid.", uri);
    }
    // a session is audited when it begins (a refused login is only logged: anyone can send one)
    audit.record(found.get().name(), "console.login", "console", AuditLog.Outcome.SUCCESS, 303, "");
    // a fresh CSRF token with every session
    return Response.seeOther(URI.create("/console/rollouts"))
        .cookie(
            cookie(ApiTokenMechanism.SESSION_COOKIE, presented, uri),
            cookie(CsrfGuard.COOKIE, CsrfGuard.newToken(), uri))
        .build();
  }

  /**
   * The end of the OIDC authorization-code flow: the browser comes back from the identity provider
   * with a session (Quarkus' OIDC extension ran the flow, as {@code
   * quarkus.http.auth.permission.console-oidc} asks for this path); the console adds its CSRF token
   * and shows the rollouts.
   */
  @GET
  @Path("oidc-login")
  @Authenticated
  public Response oidcLogin(@Context UriInfo uri) {
    audit.record(
        identity.getPrincipal().getName(),
        "console.login",
        "console",
        AuditLog.Outcome.SUCCESS,
        303,
        "oidc");
    return Response.seeOther(URI.create("/console/rollouts"))
        .cookie(cookie(CsrfGuard.COOKIE, CsrfGuard.newToken(), uri))
        .build();
  }

  /**
   * Ends the session: the console's cookies and the OIDC session's expire (the identity provider's
   * own session is not ended). Needs the CSRF header like every change.
   */
  @POST
  @Path("logout")
  public Response logout(@Context UriInfo uri) {
    return Response.noContent()
        .header("HX-Redirect", ApiTokenMechanism.LOGIN_PAGE)
        .cookie(
            expired(ApiTokenMechanism.SESSION_COOKIE, uri),
            expired(CsrfGuard.COOKIE, uri),
            expired(OIDC_SESSION, uri))
        .build();
  }

  private Response again(int status, String error, UriInfo uri) {
    String csrf = CsrfGuard.newToken();
    return Response.status(status)
        .type(MediaType.TEXT_HTML)
        .entity(Templates.login(csrf, error, oidcLogin))
        .cookie(cookie(CsrfGuard.COOKIE, csrf, uri))
        .build();
  }

  /**
   * A session cookie (no expiry: gone when the browser closes) for the whole site, never sent by
   * another site's page, never readable by a script, only over TLS when the console is served over
   * TLS.
   */
  static NewCookie cookie(String name, String value, UriInfo uri) {
    return new NewCookie.Builder(name)
        .value(value)
        .path("/")
        .httpOnly(true)
        .secure(isTls(uri))
        .sameSite(NewCookie.SameSite.STRICT)
        .build();
  }

  private static NewCookie expired(String name, UriInfo uri) {
    return new NewCookie.Builder(name)
        .value("")
        .path("/")
        .maxAge(0)
        .httpOnly(true)
        .secure(isTls(uri))
        .sameSite(NewCookie.SameSite.STRICT)
        .build();
  }

  private static boolean isTls(UriInfo uri) {
    return "https".equalsIgnoreCase(uri.getBaseUri().getScheme());
  }
}
