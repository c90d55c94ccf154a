package dev.patchwave.api;

import dev.patchwave.engine.FleetScans;
import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.FleetEvents;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.ScanStore;
import dev.patchwave.policy.Names;
import dev.patchwave.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The fleet as scans see it: {@code GET /api/v1/updates} (every pending version and who needs it),
 * {@code POST /api/v1/scans} (scan every host now), {@code GET /api/v1/events} (drift, adoption,
 * schedules, overdue updates).
 */
@Path("/api/v1")
@Tag(name = "fleet")
@Produces(MediaType.APPLICATION_JSON)
public class FleetResource {

  private final ScanStore scans;
  private final FleetScans fleetScans;
  private final FleetEvents events;
  private final QuarantineStore quarantine;
  private final Clock clock;

  public FleetResource(
      ScanStore scans,
      FleetScans fleetScans,
      FleetEvents events,
      QuarantineStore quarantine,
      Clock clock) {
    this.scans = scans;
    this.fleetScans = fleetScans;
    this.events = events;
    this.quarantine = quarantine;
    this.clock = clock;
  }

  /**
   * One pending version: how many hosts need it (at their last scan), when the controller first saw
   * it and how old that makes it, whether it is quarantined, and which rollouts installed it on
   * which hosts.
   */
  public record UpdateView(
      String packageName,
      String version,
      String origin,
      long hosts,
      Instant firstSeen,
      Long ageSeconds,
      boolean quarantined,
      List<Installed> installedBy) {}

  /** Rollout {@code rollout} installed the version on these hosts. */
  public record Installed(long rollout, int hostCount, List<String> hosts) {}

  public record ScanStarted(int queued) {}

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("updates")
  @Operation(summary = "Every pending package version in the fleet, with who needs it")
  public List<UpdateView> updates(@QueryParam("origin") String origin) {
    if (origin != null && !origin.equals("security") && !origin.equals("other")) {
      throw new BadRequestException("origin must be \"security\" or \"other\"");
    }
    Set<PackageVersion> blocked = new HashSet<>(quarantine.active());
    Instant now = clock.instant();
    return scans.pending().stream()
        .filter(p -> origin == null || p.security() == origin.equals("security"))
        .map(
            p -> {
              Map<Long, List<String>> installs = scans.installs(p.packageVersion());
              return new UpdateView(
                  p.packageName(),
                  p.version(),
                  p.security() ? "security" : "other",
                  p.hosts(),
                  p.firstSeen().orElse(null),
                  p.firstSeen().map(t -> Duration.between(t, now).toSeconds()).orElse(null),
                  blocked.contains(p.packageVersion()),
                  installs.entrySet().stream()
                      .map(
                          e ->
                              new Installed(
                                  e.getKey(),
                                  e.getValue().size(),
                                  e.getValue().stream().limit(50).toList()))
                      .toList());
            })
        .toList();
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("scans")
  @Operation(
      summary = "Scan every host now",
      description = "202; the scans run in the background (GET /api/v1/hosts/{name} shows each).")
  public Response scanAll() {
    return Response.accepted(new ScanStarted(fleetScans.scanAll(false))).build();
  }

  /** A fleet event as the API shows it. */
  public record EventView(
      long id,
      Instant at,
      String kind,
      String host,
      String policy,
      Long rollout,
      String actor,
      String detail) {
    static EventView of(FleetEvent e) {
      return new EventView(
          e.id(),
          e.at(),
          e.kind().name(),
          e.host().orElse(null),
          e.policy().orElse(null),
          e.rollout().orElse(null),
          e.actor(),
          e.detail());
    }
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("events")
  @Operation(summary = "Fleet events (drift, adoption, schedules, overdue updates), oldest first")
  public List<EventView> events(
      @QueryParam("kind") String kind,
      @QueryParam("host") String host,
      @QueryParam("after") String after,
      @QueryParam("limit") String limit) {
    Optional<FleetEvent.Kind> k = Optional.empty();
    if (kind != null) {
      k = Arrays.stream(FleetEvent.Kind.values()).filter(x -> x.name().equals(kind)).findFirst();
      if (k.isEmpty()) {
        throw new BadRequestException(
            "kind must be one of " + Arrays.toString(FleetEvent.Kind.values()));
      }
    }
    if (host != null && !Names.HOST_NAME.matcher(host).matches()) {
      throw new BadRequestException("host must be " + Names.HOST_NAME_WHAT);
    }
    long afterId = number("after", after, 0, Long.MAX_VALUE, 0);
    int max = (int) number("limit", limit, 1, 1000, 100);
    return events.list(k, Optional.ofNullable(host), afterId, max).stream()
        .map(EventView::of)
        .toList();
  }

  private static long number(String name, String text, long min, long max, long otherwise) {
    return Params.number(text, name, otherwise, min, max);
  }
}
