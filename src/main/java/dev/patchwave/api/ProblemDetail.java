package dev.patchwave.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.patchwave.doc.Problem;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * An RFC 9457 problem document. {@code type} is stable and documented in docs/api.md; {@code
 * errors} lists validation problems.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ProblemDetail(
    String type, String title, int status, String detail, List<FieldError> errors) {

  public static final String MEDIA_TYPE = "application/problem+json";
  static final String BASE = "https://patchwave.dev/problems/";

  public record FieldError(String path, int line, int column, String message) {
    static FieldError of(Problem p) {
      return new FieldError(p.path(), p.location().line(), p.location().column(), p.message());
    }
  }

  public static Response response(Type type, String detail) {
    return response(type, detail, List.of());
  }

  /** A {@code guardrail} problem listing each guardrail the policy breaks, by field. */
  public static Response guardrails(
      String detail, List<dev.patchwave.policy.Guardrails.Violation> violations) {
    return response(
        Type.GUARDRAIL,
        detail,
        violations.stream().map(v -> unlocated(v.path(), v.text())).toList());
  }

  /** A {@code check-catalogue} problem listing each check outside the catalogue, by field. */
  public static Response checks(
      String detail, List<dev.patchwave.policy.CheckCatalogue.Refusal> refusals) {
    return response(
        Type.CHECK_CATALOGUE,
        detail,
        refusals.stream().map(r -> unlocated(r.path(), r.message())).toList());
  }

  /** A problem of a stored policy, named by its path (the stored text is not the caller's). */
  private static Problem unlocated(String path, String message) {
    return new Problem(path, dev.patchwave.doc.Location.UNKNOWN, message);
  }

  public static Response response(Type type, String detail, List<Problem> problems) {
    ProblemDetail body =
        new ProblemDetail(
            BASE + type.slug,
            type.title,
            type.status,
            detail,
            problems.stream().map(FieldError::of).toList());
    return Response.status(type.status).type(MEDIA_TYPE).entity(body).build();
  }

  /** The problem types the API returns. */
  public enum Type {
    INVALID_DOCUMENT("invalid-document", "The document is not valid", 422),
    BAD_REQUEST("bad-request", "The request is malformed", 400),
    UNAUTHORIZED("unauthorized", "Authentication required", 401),
    FORBIDDEN("forbidden", "Not allowed for this identity", 403),
    NOT_FOUND("not-found", "No such resource", 404),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", 405),
    NOT_ACCEPTABLE("not-acceptable", "Cannot produce the requested media type", 406),
    CONFLICT("conflict", "The request conflicts with the current state", 409),
    GUARDRAIL("guardrail", "A guardrail of the controller forbids this", 422),
    CHECK_CATALOGUE("check-catalogue", "A check is not in the controller's check catalogue", 422),
    PAYLOAD_TOO_LARGE("payload-too-large", "The request body is too large", 413),
    URI_TOO_LONG("uri-too-long", "The request URI is too long", 414),
    TOO_MANY_STARTS("too-many-starts", "The policy was started too often lately", 429),
    SIMULATION_BUSY("simulation-busy", "A simulation is running; try again when it is done", 429),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", 415),
    INTERNAL("internal", "Internal error", 500);

    public final String slug;
    public final String title;
    public final int status;

    Type(String slug, String title, int status) {
      this.slug = slug;
      this.title = title;
      this.status = status;
    }

    static Type forStatus(int status) {
      for (Type t : values()) {
        if (t.status == status && t != INVALID_DOCUMENT && t != GUARDRAIL && t != CHECK_CATALOGUE) {
          return t;
        }
      }
      return status >= 500 ? INTERNAL : BAD_REQUEST;
    }
  }
}
