package dev.patchwave.api;

import dev.patchwave.api.ProblemDetail.Type;
import dev.patchwave.engine.RolloutEngine;
import dev.patchwave.patch.PackageGrammar;
import dev.patchwave.persistence.AuditLog;
import dev.patchwave.persistence.RolloutEventRecord;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.policy.Names;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.RolloutPhase;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code /api/v1/rollouts}: start, watch, pause, resume, abort, approve. */
@Path("/api/v1/rollouts")
@Tag(name = "rollouts")
@Produces(MediaType.APPLICATION_JSON)
public class RolloutResource {

  @Inject SecurityIdentity identity;

  private final RolloutEngine engine;
  private final RolloutStore store;
  private final AuditLog audit;

  @ConfigProperty(name = "patchwave.approval.two-person-rule", defaultValue = "true")
  boolean twoPersonRule;

  public RolloutResource(RolloutEngine engine, RolloutStore store, AuditLog audit) {
    this.engine = engine;
    this.store = store;
    this.audit = audit;
  }

  /**
   * @param onConflict {@code fail} (the default): 409 when another unfinished rollout owns a
   *     selected host; {@code skip}: leave those hosts out
   */
  /**
   * @param onConflict {@code fail} (the default): 409 when another unfinished rollout owns a
   *     selected host; {@code skip}: leave those hosts out
   * @param packages only these packages (an urgent fix alone); the policy's rules still apply
   * @param ignoreMinAge lift the policy's minPackageAge for the named packages (audited)
   */
  @dev.patchwave.doc.StrictJson
  public record StartRequest(
      String policy, String onConflict, List<String> packages, Boolean ignoreMinAge) {}

  public record RolloutSummary(
      long id,
      String policy,
      String phase,
      String reason,
      String detail,
      int wave,
      String startedBy,
      OffsetDateTime startedAt,
      OffsetDateTime updatedAt) {}

  public record EventView(
      long id, Instant at, String reason, Integer wave, String host, String actor, String detail) {

    /** One stored event as the API (and the console's timeline) shows it. */
    public static EventView of(RolloutEventRecord e) {
      return new EventView(
          e.id, e.occurredAt.toInstant(), e.reason, e.wave, e.host, e.actor, e.detail);
    }
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Start a rollout of a policy",
      description =
          "201 with Location; 409 if a rollout of the policy is already running, or if another"
              + " unfinished rollout owns a selected host (unless onConflict is skip).")
  public Response start(StartRequest request) {
    if (request == null
        || request.policy() == null
        || !Names.OBJECT_NAME.matcher(request.policy()).matches()) {
      throw new BadRequestException(
          "body must be {\"policy\": \"<name>\"} with " + Names.OBJECT_NAME_WHAT);
    }
    RolloutEngine.OnConflict onConflict;
    if (request.onConflict() == null || request.onConflict().equals("fail")) {
      onConflict = RolloutEngine.OnConflict.FAIL;
    } else if (request.onConflict().equals("skip")) {
      onConflict = RolloutEngine.OnConflict.SKIP;
    } else {
      throw new BadRequestException("onConflict must be \"fail\" or \"skip\"");
    }
    Optional<Set<String>> packages = Optional.empty();
    if (request.packages() != null) {
      if (request.packages().isEmpty() || request.packages().size() > 100) {
        throw new BadRequestException("packages must name 1 to 100 packages (or be left out)");
      }
      for (String name : request.packages()) {
        if (!PackageGrammar.isDebianName(name) && !PackageGrammar.isRpmName(name)) {
          throw new BadRequestException(
              "packages: '"
                  + (name == null ? "null" : name.length() > 64 ? name.substring(0, 64) : name)
                  + "' is not a package name ("
                  + PackageGrammar.DEBIAN_NAME_WHAT
                  + ", or an RPM name)");
        }
      }
      packages = Optional.of(new TreeSet<>(request.packages()));
    }
    boolean ignoreMinAge = Boolean.TRUE.equals(request.ignoreMinAge());
    if (ignoreMinAge && packages.isEmpty()) {
      throw new BadRequestException(
          "ignoreMinAge needs the packages named explicitly (\"packages\": [...])");
    }
    try {
      RolloutState s =
          engine.start(
              request.policy(),
              actor(),
              onConflict,
              new RolloutEngine.Narrowing(packages, Optional.empty(), ignoreMinAge));
      if (ignoreMinAge) {
        audit.record(
            actor(),
            "rollout.ignoreMinAge",
            "rollout/" + s.id(),
            AuditLog.Outcome.SUCCESS,
            201,
            "minimum package age ("
                + s.policy().spec().minPackageAge()
                + ") lifted for "
                + String.join(", ", packages.get()));
      }
      return Response.status(Response.Status.CREATED)
          .header(HttpHeaders.LOCATION, "/api/v1/rollouts/" + s.id())
          .entity(RolloutView.of(s))
          .build();
    } catch (RolloutEngine.Refused e) {
      if (e.retryAfter.isPresent()) {
        return Response.fromResponse(ProblemDetail.response(Type.TOO_MANY_STARTS, e.getMessage()))
            .header("Retry-After", Math.max(1, (e.retryAfter.get().toMillis() + 999) / 1000))
            .build();
      }
      if (!e.violations.isEmpty()) {
        return ProblemDetail.guardrails(e.getMessage(), e.violations);
      }
      if (!e.checks.isEmpty()) {
        return ProblemDetail.checks(e.getMessage(), e.checks);
      }
      return ProblemDetail.response(e.conflict ? Type.CONFLICT : Type.NOT_FOUND, e.getMessage());
    }
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Operation(summary = "List rollouts, newest first, optionally by phase")
  public List<RolloutSummary> list(@QueryParam("phase") String phase) {
    if (phase != null
        && Arrays.stream(RolloutPhase.values()).noneMatch(p -> p.name().equals(phase))) {
      throw new BadRequestException(
          "phase must be one of " + Arrays.toString(RolloutPhase.values()));
    }
    return store.list(Optional.ofNullable(phase)).stream()
        .map(
            r ->
                new RolloutSummary(
                    r.id,
                    r.policyName,
                    r.phase,
                    r.reason,
                    r.detail,
                    r.wave,
                    r.startedBy,
                    r.startedAt,
                    r.updatedAt))
        .toList();
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("{id}")
  @Operation(
      summary = "One rollout: state, patch set, gate, and hosts per wave and phase",
      description =
          "A summary whose size does not grow with the hosts; the hosts are paged from"
              + " /rollouts/{id}/hosts.")
  public RolloutView get(@PathParam("id") String id) {
    return RolloutView.of(summary(id));
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("{id}/hosts")
  @Operation(
      summary = "The rollout's hosts, sorted by name, filtered and paged",
      description =
          "?phase=, ?wave= and ?prefix= filter; ?limit= (1000, at most 10000) and ?after= page,"
              + " and a Link header with rel=next names the next page.")
  public Response hosts(
      @PathParam("id") String id,
      @QueryParam("phase") String phase,
      @QueryParam("wave") String wave,
      @QueryParam("prefix") String prefix,
      @QueryParam("after") String after,
      @QueryParam("limit") String limit,
      @Context UriInfo uri) {
    int max = Paging.limit(limit);
    if (phase != null
        && Arrays.stream(dev.patchwave.rollout.HostPhase.values())
            .noneMatch(p -> p.name().equals(phase))) {
      throw new BadRequestException(
          "phase must be one of " + Arrays.toString(dev.patchwave.rollout.HostPhase.values()));
    }
    Integer waveIndex =
        wave == null ? null : (int) Params.number(wave, "wave", 0, 0, Integer.MAX_VALUE);
    long rollout = find(id).id();
    List<RolloutView.HostView> page =
        store
            .hosts(
                rollout,
                Optional.ofNullable(phase).map(dev.patchwave.rollout.HostPhase::valueOf),
                Optional.ofNullable(waveIndex),
                Optional.ofNullable(prefix),
                Optional.ofNullable(after),
                max + 1)
            .stream()
            .map(h -> RolloutView.HostView.of(h.state()))
            .toList();
    return Paging.page(page.stream(), RolloutView.HostView::name, after, max, uri);
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("{id}/events")
  @Operation(summary = "The rollout's timeline, oldest first; page with ?after=<last event id>")
  public List<EventView> events(
      @PathParam("id") String id,
      @QueryParam("after") String after,
      @QueryParam("limit") String limit) {
    long from = Params.number(after, "after", 0, 0, Long.MAX_VALUE / 2);
    int max = (int) Params.number(limit, "limit", 500, 1, 5000);
    long rollout = find(id).id();
    return store.events(rollout, from, max).stream().map(EventView::of).toList();
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/pause")
  @Operation(summary = "Pause: nothing new starts; hosts under way finish their step")
  public RolloutView pause(@PathParam("id") String id) {
    return command(id, new Observation.Pause(actor()), RolloutPhase.PAUSED);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/resume")
  @Operation(summary = "Resume a paused rollout")
  public RolloutView resume(@PathParam("id") String id) {
    RolloutState s = find(id);
    if (s.phase() != RolloutPhase.PAUSED) {
      throw conflict("rollout " + s.id() + " is " + s.phase() + ", not PAUSED");
    }
    return apply(s.id(), new Observation.Resume(actor()));
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/abort")
  @Operation(summary = "Abort: nothing more is touched")
  public RolloutView abort(@PathParam("id") String id) {
    return command(id, new Observation.Abort(actor()), RolloutPhase.ABORTED);
  }

  @RolesAllowed(Roles.APPROVER)
  @POST
  @Path("{id}/waves/{index}/approve")
  @Operation(summary = "Approve a gated wave")
  public RolloutView approve(@PathParam("id") String id, @PathParam("index") String index) {
    RolloutState s = find(id);
    int wave = parse(index, "wave index");
    if (s.phase() != RolloutPhase.AWAITING_APPROVAL || s.wave() != wave) {
      throw conflict(
          "rollout "
              + s.id()
              + " is "
              + s.phase()
              + " at wave "
              + s.wave()
              + "; wave "
              + wave
              + " is not awaiting approval");
    }
    if (twoPersonRule && s.startedBy().equals(actor())) {
      throw new ForbiddenException(
          "two-person rule: "
              + actor()
              + " started rollout "
              + s.id()
              + "; another approver must approve its waves");
    }
    return apply(s.id(), new Observation.Approve(wave, actor()));
  }

  private RolloutView command(String id, Observation o, RolloutPhase target) {
    RolloutState s = find(id);
    if (s.phase().isTerminal()) {
      throw conflict("rollout " + s.id() + " is " + s.phase() + "; it cannot become " + target);
    }
    return apply(s.id(), o);
  }

  /**
   * The engine checks again, atomically with the change, that the command applies: of concurrent
   * callers exactly the ones whose command took effect get 200, the others 409 (and the audit log
   * records them as refused).
   */
  private RolloutView apply(long id, Observation o) {
    try {
      return RolloutView.of(engine.command(id, o));
    } catch (RolloutEngine.Refused e) {
      throw conflict("rollout " + id + ": " + e.getMessage());
    }
  }

  /** The rollout without its hosts (commands check its phase and wave). */
  private RolloutState find(String id) {
    return summary(id).state();
  }

  private RolloutStore.Summary summary(String id) {
    long n = parse(id, "rollout id");
    return store.summary(n).orElseThrow(() -> new NotFoundException("no rollout " + n));
  }

  private static int parse(String text, String what) {
    long n = Params.id(text, what);
    if (n > Integer.MAX_VALUE) {
      throw new BadRequestException(what + " must be at most " + Integer.MAX_VALUE);
    }
    return (int) n;
  }

  private static jakarta.ws.rs.WebApplicationException conflict(String message) {
    return new jakarta.ws.rs.ClientErrorException(message, Response.Status.CONFLICT);
  }

  /** Who is calling: the API token's name or the OIDC subject; recorded in events and audit. */
  private String actor() {
    return identity.getPrincipal().getName();
  }
}
