package dev.patchwave.api;

import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code /api/v1/hosts}: the inventory. */
@Path("/api/v1/hosts")
@Tag(name = "hosts")
public class HostResource {

  private final HostSource hosts;
  private final PolicyStore policies;

  public HostResource(HostSource hosts, PolicyStore policies) {
    this.hosts = hosts;
    this.policies = policies;
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
  @Operation(summary = "The inventory, optionally seen through one policy")
  public List<HostView> list(@QueryParam("policy") String policyName) {
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
    return hosts.hosts().stream().map(h -> view(h, p)).toList();
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
