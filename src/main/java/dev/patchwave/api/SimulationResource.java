package dev.patchwave.api;

import dev.patchwave.host.simulated.EmulatedHost;
import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.patch.PackageGrammar;
import dev.patchwave.policy.Names;
import dev.patchwave.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Plays the world around the simulated hosts (the demo fleet, rehearsals): a vendor publishes a
 * package version, a person power-cycles a host that did not come back. Touches only hosts with
 * {@code transport: simulated}; a real host is never reached from here.
 */
@Path("/api/v1/simulation")
@Produces(MediaType.APPLICATION_JSON)
public class SimulationResource {

  private final HostSource inventory;
  private final SimulatedHostExecutor simulated;

  public SimulationResource(HostSource inventory, SimulatedHostExecutor simulated) {
    this.inventory = inventory;
    this.simulated = simulated;
  }

  /** A version to publish, to the simulated hosts whose labels include {@code hosts}. */
  @dev.patchwave.doc.StrictJson
  public record Publish(String packageName, String version, Map<String, String> hosts) {}

  public record Published(String packageName, String version, List<String> hosts) {}

  public record PowerCycled(String host, boolean wasDown) {}

  @POST
  @Path("publish")
  @Consumes(MediaType.APPLICATION_JSON)
  @RolesAllowed(Roles.OPERATOR)
  @Operation(
      summary = "Publish a package version to simulated hosts (as a vendor would)",
      description =
          "Body {packageName, version, hosts: {label: value}}: every simulated host whose labels"
              + " include all of hosts gets the version offered by its package archive.")
  public Published publish(Publish p) {
    if (p == null
        || !PackageGrammar.isDebianName(p.packageName())
        || !PackageGrammar.isDebianVersion(p.version())) {
      throw new BadRequestException(
          "body must be {\"packageName\": ..., \"version\": ..., \"hosts\": {label: value}} with "
              + PackageGrammar.DEBIAN_NAME_WHAT
              + " and "
              + PackageGrammar.DEBIAN_VERSION_WHAT);
    }
    Map<String, String> labels = p.hosts() == null ? Map.of() : p.hosts();
    labels.forEach(
        (k, v) -> {
          if (k == null || !Names.LABEL_KEY.matcher(k).matches()) {
            throw new BadRequestException("hosts: '" + k + "' is not " + Names.LABEL_KEY_WHAT);
          }
          if (v == null || !Names.LABEL_VALUE.matcher(v).matches()) {
            throw new BadRequestException("hosts." + k + ": " + Names.LABEL_VALUE_WHAT);
          }
        });
    List<String> names =
        inventory.hosts().stream()
            .filter(h -> h.transport() == Host.Transport.SIMULATED)
            .filter(h -> h.labels().entrySet().containsAll(labels.entrySet()))
            .map(
                h -> {
                  simulated.emulated(h).publish(p.packageName(), p.version());
                  return h.name();
                })
            .toList();
    if (names.isEmpty()) {
      throw new NotFoundException("no simulated host has the labels " + labels);
    }
    return new Published(p.packageName(), p.version(), names);
  }

  @POST
  @Path("hosts/{name}/power-cycle")
  @RolesAllowed(Roles.OPERATOR)
  @Operation(
      summary = "Power-cycle a simulated host",
      description = "A host that panicked boots again, into the kernel it ran before.")
  public PowerCycled powerCycle(@PathParam("name") String name) {
    if (name == null || !Names.HOST_NAME.matcher(name).matches()) {
      throw new BadRequestException("not a host name");
    }
    Host host =
        inventory.hosts().stream()
            .filter(h -> h.name().equals(name) && h.transport() == Host.Transport.SIMULATED)
            .findFirst()
            .orElseThrow(() -> new NotFoundException("no simulated host named '" + name + "'"));
    EmulatedHost e = simulated.emulated(host);
    boolean wasDown = !e.isUp();
    e.powerCycle();
    return new PowerCycled(name, wasDown);
  }
}
