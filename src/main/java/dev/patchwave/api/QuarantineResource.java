package dev.patchwave.api;

import dev.patchwave.engine.HostSteps;
import dev.patchwave.patch.PackageGrammar;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.QuarantineRecord;
import dev.patchwave.persistence.QuarantineStore;
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

  public QuarantineResource(QuarantineStore store, HostSteps steps) {
    this.store = store;
    this.steps = steps;
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
      String releasedBy) {
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
          r.releasedBy);
    }
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
    List<PackageVersion> active = store.active();
    CompletableFuture.runAsync(() -> steps.writePins(active, "patchwave quarantine"));
  }

  /** Who is calling: the API token's name or the OIDC subject; recorded in events and audit. */
  private String actor() {
    return identity.getPrincipal().getName();
  }
}
