package dev.patchwave.api;

import dev.patchwave.engine.HostSteps;
import dev.patchwave.engine.Isolations;
import dev.patchwave.engine.RolloutEngine;
import dev.patchwave.patch.PackageGrammar;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.IncidentRecord;
import dev.patchwave.persistence.IsolationRecord;
import dev.patchwave.persistence.IsolationStore;
import dev.patchwave.persistence.QuarantineRecord;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.rollout.CulpritSearch;
import dev.patchwave.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code /api/v1/quarantine}: package versions blocked fleet-wide. */
@Path("/api/v1/quarantine")
@Tag(name = "quarantine")
@Produces(MediaType.APPLICATION_JSON)
public class QuarantineResource {

  @Inject SecurityIdentity identity;

  private final QuarantineStore store;
  private final HostSteps steps;
  private final IsolationStore isolationStore;
  private final Isolations isolations;

  public QuarantineResource(
      QuarantineStore store,
      HostSteps steps,
      IsolationStore isolationStore,
      Isolations isolations) {
    this.store = store;
    this.steps = steps;
    this.isolationStore = isolationStore;
    this.isolations = isolations;
  }

  @dev.patchwave.doc.StrictJson
  public record AddRequest(String packageName, String version, String reason) {}

  public record Entry(
      long id,
      String packageName,
      String version,
      Long rolloutId,
      String host,
      String reason,
      OffsetDateTime createdAt,
      String createdBy,
      OffsetDateTime releasedAt,
      String releasedBy,
      Long incidentId,
      String verdict) {
    static Entry of(QuarantineRecord r) {
      return new Entry(
          r.id,
          r.packageName,
          r.version,
          r.rolloutId,
          r.host,
          r.reason,
          r.createdAt,
          r.createdBy,
          r.releasedAt,
          r.releasedBy,
          r.incidentId,
          r.verdict);
    }
  }

  @dev.patchwave.doc.StrictJson
  public record IsolateRequest(String host, String strategy) {}

  /** An incident: what one failed host had newly installed, quarantined together as suspects. */
  public record Incident(
      long id,
      long rolloutId,
      String host,
      String reason,
      OffsetDateTime createdAt,
      List<Entry> entries,
      List<Isolation> isolations) {}

  public record Isolation(
      long id,
      long incidentId,
      String host,
      String strategy,
      String phase,
      String detail,
      String startedBy,
      OffsetDateTime startedAt,
      OffsetDateTime finishedAt,
      List<Proof> proofs) {}

  /** One proof: the versions one proving rollout installed together, and what it showed. */
  public record Proof(
      int ordinal,
      List<String> versions,
      Long rolloutId,
      String outcome,
      String detail,
      OffsetDateTime startedAt,
      OffsetDateTime finishedAt) {}

  private Incident incident(IncidentRecord i) {
    return new Incident(
        i.id,
        i.rolloutId,
        i.host,
        i.reason,
        i.createdAt,
        store.entriesOf(i.id).stream().map(Entry::of).toList(),
        isolationStore.ofIncident(i.id).stream().map(this::isolation).toList());
  }

  private Isolation isolation(IsolationRecord r) {
    return new Isolation(
        r.id,
        r.incidentId,
        r.host,
        r.strategy,
        r.phase,
        r.detail,
        r.startedBy,
        r.startedAt,
        r.finishedAt,
        isolationStore.steps(r.id).stream()
            .map(
                p ->
                    new Proof(
                        p.ordinal + 1,
                        IsolationStore.versions(p.versions).stream()
                            .map(PackageVersion::pinned)
                            .toList(),
                        p.rolloutId,
                        p.outcome,
                        p.detail,
                        p.startedAt,
                        p.finishedAt))
            .toList());
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("incidents")
  @Operation(
      summary = "Incidents: the suspects quarantined together when a host failed, newest first")
  public List<Incident> incidents(@QueryParam("limit") String limit) {
    int n = (int) Params.number(limit, "limit", 50, 1, 500);
    return store.incidents(n).stream().map(this::incident).toList();
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("incidents/{id}")
  @Operation(summary = "One incident, with its suspects' verdicts and its isolations")
  public Incident incident(@PathParam("id") String id) {
    long n = Params.id(id, "id");
    return incident(store.incident(n).orElseThrow(() -> new NotFoundException("no incident " + n)));
  }

  @RolesAllowed(Roles.APPROVER)
  @POST
  @Path("incidents/{id}/isolate")
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(
      summary =
          "Prove the incident's suspects on one fresh host, one at a time or by halves; release"
              + " the innocent, keep the culprit")
  public Response isolate(@PathParam("id") String id, IsolateRequest request) {
    long n = Params.id(id, "id");
    IsolateRequest r = request == null ? new IsolateRequest(null, null) : request;
    CulpritSearch.Strategy strategy =
        r.strategy() == null
            ? CulpritSearch.Strategy.ONE_AT_A_TIME
            : CulpritSearch.Strategy.of(r.strategy())
                .orElseThrow(
                    () ->
                        new BadRequestException(
                            "strategy must be \"oneAtATime\" or \"halves\", not \""
                                + r.strategy()
                                + "\""));
    if (r.host() != null && !dev.patchwave.policy.Names.HOST_NAME.matcher(r.host()).matches()) {
      throw new BadRequestException("host must be " + dev.patchwave.policy.Names.HOST_NAME_WHAT);
    }
    IncidentRecord incident =
        store.incident(n).orElseThrow(() -> new NotFoundException("no incident " + n));
    try {
      IsolationRecord started =
          isolations.start(incident, java.util.Optional.ofNullable(r.host()), strategy, actor());
      return Response.status(Response.Status.ACCEPTED)
          .header(HttpHeaders.LOCATION, "/api/v1/quarantine/isolations/" + started.id)
          .entity(isolation(started))
          .build();
    } catch (RolloutEngine.Refused e) {
      return ProblemDetail.response(
          e.conflict ? ProblemDetail.Type.CONFLICT : ProblemDetail.Type.BAD_REQUEST,
          e.getMessage());
    }
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("isolations/{id}")
  @Operation(summary = "One isolation and its proofs")
  public Isolation isolationView(@PathParam("id") String id) {
    long n = Params.id(id, "id");
    return isolation(
        isolationStore.get(n).orElseThrow(() -> new NotFoundException("no isolation " + n)));
  }

  @RolesAllowed(Roles.APPROVER)
  @DELETE
  @Path("isolations/{id}")
  @Operation(summary = "Abort a running isolation (and its proving rollout); nothing is released")
  public Response abortIsolation(@PathParam("id") String id) {
    long n = Params.id(id, "id");
    if (!isolations.abort(n, actor())) {
      throw new NotFoundException("no running isolation " + n);
    }
    return Response.noContent().build();
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Operation(summary = "Quarantined package versions (active; ?all=true includes released ones)")
  public List<Entry> list(@QueryParam("all") String allParam) {
    boolean all = Params.flag(allParam, "all", false);
    return store.list(all).stream().map(Entry::of).toList();
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(summary = "Quarantine a package version by hand; pins are written to every host")
  public Response add(AddRequest request) {
    if (request == null
        || !PackageGrammar.isDebianName(request.packageName())
        || !PackageGrammar.isDebianVersion(request.version())) {
      throw new BadRequestException(
          "body must be {\"packageName\": ..., \"version\": ..., \"reason\": ...} with "
              + PackageGrammar.DEBIAN_NAME_WHAT
              + " and "
              + PackageGrammar.DEBIAN_VERSION_WHAT);
    }
    String reason = request.reason() == null ? "" : request.reason();
    if (reason.length() > 500 || reason.chars().anyMatch(Character::isISOControl)) {
      throw new BadRequestException("reason must be one line of at most 500 characters");
    }
    QuarantineRecord r =
        store.add(
            new PackageVersion(request.packageName(), request.version()),
            null,
            null,
            reason,
            actor());
    repin();
    return Response.status(Response.Status.CREATED)
        .header(HttpHeaders.LOCATION, "/api/v1/quarantine/" + r.id)
        .entity(Entry.of(r))
        .build();
  }

  @RolesAllowed(Roles.APPROVER)
  @DELETE
  @Path("{id}")
  @Operation(summary = "Release a quarantined version; pins are rewritten without it")
  public Response release(@PathParam("id") String id) {
    long n = Params.id(id, "id");
    if (!store.release(n, actor())) {
      throw new NotFoundException("no active quarantine entry " + n);
    }
    repin();
    return Response.noContent().build();
  }

  private void repin() {
    CompletableFuture.runAsync(() -> steps.writePins("patchwave quarantine"));
  }

  /** Who is calling: the API token's name or the OIDC subject; recorded in events and audit. */
  private String actor() {
    return identity.getPrincipal().getName();
  }
}
