package dev.patchwave.api;

import dev.patchwave.persistence.AuditLog;
import dev.patchwave.persistence.AuditRecord;
import dev.patchwave.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The audit log, newest first, with filters and paging. Read-only: nothing here changes it. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9._@:/-]{1,255}");

  private final AuditLog audit;

  public AuditResource(AuditLog audit) {
    this.audit = audit;
  }

  public record Entry(
      long id,
      OffsetDateTime at,
      String actor,
      String action,
      String target,
      String outcome,
      Integer status,
      String detail) {
    static Entry of(AuditRecord r) {
      return new Entry(r.id, r.at, r.actor, r.action, r.target, r.outcome, r.status, r.detail);
    }
  }

  @GET
  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @Operation(
      summary = "Audit records, newest first",
      description =
          "Filters: actor, action (rollout.start, host.install, ...), target (a prefix), outcome"
              + " (success, refused, failed), since and until (ISO-8601 instants). Paging: limit"
              + " (1 to 1000, default 100) and before (the smallest id of the previous page).")
  public List<Entry> list(
      @QueryParam("actor") String actor,
      @QueryParam("action") String action,
      @QueryParam("target") String target,
      @QueryParam("outcome") String outcome,
      @QueryParam("since") String since,
      @QueryParam("until") String until,
      @QueryParam("before") String beforeParam,
      @QueryParam("limit") String limitParam) {
    int limit = (int) Params.number(limitParam, "limit", 100, 1, 1000);
    Long before =
        beforeParam == null ? null : Params.number(beforeParam, "before", 1, 1, Long.MAX_VALUE / 2);
    if (outcome != null
        && Arrays.stream(AuditLog.Outcome.values()).noneMatch(o -> o.word().equals(outcome))) {
      throw new BadRequestException("outcome must be one of success, refused, failed");
    }
    return audit
        .list(
            new AuditLog.Query(
                word(actor, "actor"),
                word(action, "action"),
                word(target, "target"),
                Optional.ofNullable(outcome),
                instant(since, "since"),
                instant(until, "until"),
                Optional.ofNullable(before),
                limit))
        .stream()
        .map(Entry::of)
        .toList();
  }

  private static Optional<String> word(String value, String name) {
    if (value == null) {
      return Optional.empty();
    }
    if (!WORD.matcher(value).matches()) {
      throw new BadRequestException(
          name + " must be 1 to 255 characters of letters, digits and . _ @ : / -");
    }
    return Optional.of(value);
  }

  private static Optional<Instant> instant(String value, String name) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(value));
    } catch (DateTimeParseException e) {
      throw new BadRequestException(
          name + " must be an ISO-8601 instant such as 2026-11-30T08:00:00Z");
    }
  }
}
