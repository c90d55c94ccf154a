package dev.patchwave.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.patchwave.api.ProblemDetail.Type;
import dev.patchwave.doc.DocumentException;
import dev.patchwave.security.ApiTokenMechanism;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves the API as {@code application/problem+json}; never a stack trace. */
public class ProblemMappers {

  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

  @ServerExceptionMapper
  public Response invalidDocument(DocumentException e) {
    return ProblemDetail.response(
        Type.INVALID_DOCUMENT,
        e.problems().size() == 1
            ? "1 problem; see errors"
            : e.problems().size() + " problems; see errors",
        e.problems());
  }

  @ServerExceptionMapper
  public Response badJson(JsonProcessingException e) {
    return ProblemDetail.response(
        Type.BAD_REQUEST,
        "the JSON body cannot be read"
            + (e.getLocation() == null
                ? ""
                : " (line "
                    + e.getLocation().getLineNr()
                    + ", column "
                    + e.getLocation().getColumnNr()
                    + ")"));
  }

  // Quarkus has its own mappers for these (an empty 400, or a JSON body that is not a problem);
  // these take precedence, so every unreadable body gets the same problem+json answer.

  /** Jackson's "cannot bind this body to that type" (thrown for request bodies only here). */
  @ServerExceptionMapper
  public Response unbindable(com.fasterxml.jackson.databind.exc.InvalidDefinitionException e) {
    return badJson(e);
  }

  @ServerExceptionMapper
  public Response unknownField(com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
    java.util.Collection<Object> known = e.getKnownPropertyIds();
    return ProblemDetail.response(
        Type.BAD_REQUEST,
        "unknown field '"
            + dev.patchwave.doc.Binder.abbreviate(e.getPropertyName())
            + "' in the JSON body"
            + (known == null || known.isEmpty()
                ? ""
                : "; expected "
                    + String.join(", ", known.stream().map(String::valueOf).sorted().toList())));
  }

  @ServerExceptionMapper
  public Response mismatched(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
    return badJson(e);
  }

  @ServerExceptionMapper
  public Response unmappable(com.fasterxml.jackson.databind.JsonMappingException e) {
    return badJson(e);
  }

  @ServerExceptionMapper
  public Response unparsable(com.fasterxml.jackson.core.JsonParseException e) {
    return badJson(e);
  }

  @ServerExceptionMapper
  public Response tooDeep(com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
    return badJson(e);
  }

  @ServerExceptionMapper
  public Response webApplication(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    Type type = ProblemDetail.Type.forStatus(status);
    String detail = e.getMessage() == null || status >= 500 ? type.title : e.getMessage();
    return ProblemDetail.response(type, detail);
  }

  @ServerExceptionMapper
  public Response unauthenticated(
      io.quarkus.security.UnauthorizedException e,
      jakarta.ws.rs.container.ContainerRequestContext r) {
    return unauthorized(r);
  }

  @ServerExceptionMapper
  public Response authenticationFailed(
      io.quarkus.security.AuthenticationFailedException e,
      jakarta.ws.rs.container.ContainerRequestContext r) {
    return unauthorized(r);
  }

  @ServerExceptionMapper
  public Response forbidden(io.quarkus.security.ForbiddenException e) {
    return ProblemDetail.response(
        Type.FORBIDDEN,
        "this endpoint needs another role (viewer reads; operator starts and steers rollouts;"
            + " approver approves waves and releases quarantines)");
  }

  private static Response unauthorized(jakarta.ws.rs.container.ContainerRequestContext r) {
    if ("GET".equals(r.getMethod()) && r.getUriInfo().getPath().startsWith("/console/")) {
      // a person opening a console page without a (valid) session: to the login page
      return Response.seeOther(java.net.URI.create(ApiTokenMechanism.LOGIN_PAGE)).build();
    }
    return Response.fromResponse(
            ProblemDetail.response(
                Type.UNAUTHORIZED,
                "send a valid token as 'Authorization: Bearer <token>' (an API token or an OIDC"
                    + " access token)"))
        .header("WWW-Authenticate", "Bearer realm=\"patchwave\"")
        .build();
  }

  @ServerExceptionMapper
  public Response unexpected(Exception e) {
    LOG.error("unexpected error while serving a request", e);
    return ProblemDetail.response(Type.INTERNAL, "internal error; see the controller log");
  }
}
