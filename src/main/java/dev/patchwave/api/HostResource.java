package dev.patchwave.api;

import dev.patchwave.engine.FleetScans;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.patch.HostScan;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.persistence.ScanStore;
import dev.patchwave.policy.Names;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code /api/v1/hosts}: the inventory, each host's last scan, scans on demand. */
@Path("/api/v1/hosts")
@Tag(name = "hosts")
public class HostResource {

  private final HostSource hosts;
  private final PolicyStore policies;
  private final ScanStore scans;
  private final FleetScans fleetScans;
  private final RolloutStore rollouts;

  public HostResource(
      HostSource hosts,
      PolicyStore policies,
      ScanStore scans,
      FleetScans fleetScans,
      RolloutStore rollouts) {
    this.hosts = hosts;
    this.policies = policies;
    this.scans = scans;
    this.fleetScans = fleetScans;
    this.rollouts = rollouts;
  }

  /**
   * One host with what its last good scan found ({@code scan}, absent before the first), when the
   * last attempt was and why it failed if it did, and the unfinished rollout that owns it.
   */
  public record HostDetail(
      HostView host, HostScan scan, Instant lastAttempt, String scanError, Long ownedByRollout) {}

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("{name}")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "One host with its last scan")
  public HostDetail get(@PathParam("name") String name) {
    Host h = find(name);
    return detail(h);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{name}/scan")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Scan one host now",
      description =
          "Waits for the scan; answers the host with the scan (a failed scan keeps the last good"
              + " one and says why in scanError).")
  public HostDetail scan(@PathParam("name") String name) {
    Host h = find(name);
    fleetScans.scanNow(List.of(h.name()));
    return detail(h);
  }

  private Host find(String name) {
    if (name == null || !Names.HOST_NAME.matcher(name).matches()) {
      throw new NotFoundException("no host named that");
    }
    return hosts.hosts().stream()
        .filter(x -> x.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new NotFoundException("no host named '" + name + "'"));
  }

  private HostDetail detail(Host h) {
    Optional<ScanStore.Record> r = scans.get(h.name());
    Host now = hosts.hosts().stream().filter(x -> x.name().equals(h.name())).findFirst().orElse(h);
    return new HostDetail(
        view(now, null),
        r.flatMap(ScanStore.Record::scan).orElse(null),
        r.map(ScanStore.Record::attemptedAt).orElse(null),
        r.flatMap(ScanStore.Record::error).orElse(null),
        rollouts.owners(List.of(h.name())).get(h.name()));
  }

  /**
   * One host. With {@code ?policy=}, {@code selected} says whether that policy's selector picks the
   * host and {@code groups} lists its redundancy groups under that policy's {@code groupBy}.
   */
  public record HostView(
      String name,
      String address,
      int port,
      String transport,
      String packageManager,
      Map<String, String> labels,
      String kubernetesNode,
      Boolean selected,
      List<String> groups) {}

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "The inventory, optionally seen through one policy",
      description =
          "Sorted by name; ?prefix= filters names, ?limit= (1000, at most 10000) and ?after= page,"
              + " and a Link header with rel=next names the next page.")
  public Response list(
      @QueryParam("policy") String policyName,
      @QueryParam("prefix") String prefix,
      @QueryParam("after") String after,
      @QueryParam("limit") String limit,
      @Context UriInfo uri) {
    int max = Paging.limit(limit);
    RolloutPolicy policy = null;
    if (policyName != null) {
      PolicyResource.checkName(policyName);
      policy =
          policies
              .get(policyName)
              .orElseThrow(() -> new NotFoundException("no policy named '" + policyName + "'"))
              .policy();
    }
    RolloutPolicy p = policy;
    return Paging.page(
        hosts.hosts().stream()
            .filter(h -> prefix == null || h.name().startsWith(prefix))
            .sorted(java.util.Comparator.comparing(Host::name))
            .map(h -> view(h, p)),
        HostView::name,
        after,
        max,
        uri);
  }

  private static HostView view(Host h, RolloutPolicy policy) {
    return new HostView(
        h.name(),
        h.address(),
        h.port(),
        h.transport().word,
        h.packageManager().word,
        h.labels(),
        h.kubernetesNode().orElse(null),
        policy == null ? null : policy.spec().selector().matches(h.labels()),
        policy == null ? null : h.groups(policy.spec().disruption().groupBy()));
  }
}
