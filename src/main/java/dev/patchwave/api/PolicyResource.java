package dev.patchwave.api;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.Guardrails;
import dev.patchwave.policy.Names;
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
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code /api/v1/policies}: rollout policies, and the plan a policy would make now. */
@Path("/api/v1/policies")
@Tag(name = "policies")
public class PolicyResource {

  @Inject SecurityIdentity identity;

  private final PolicyStore store;
  private final HostSource hosts;
  private final Clock clock;

  private final Guardrails guardrails;

  public PolicyResource(PolicyStore store, HostSource hosts, Clock clock, Guardrails guardrails) {
    this.guardrails = guardrails;
    this.store = store;
    this.hosts = hosts;
    this.clock = clock;
  }

  /** A stored policy; {@code source} is the text as written (YAML or JSON). */
  public record PolicyView(
      String name,
      String format,
      String origin,
      long revision,
      OffsetDateTime updatedAt,
      String updatedBy,
      int waves,
      String source) {
    static PolicyView of(PolicyStore.Entry e) {
      return new PolicyView(
          e.name(),
          e.format(),
          e.origin().name().toLowerCase(),
          e.revision(),
          e.updatedAt(),
          e.updatedBy(),
          e.policy().spec().waves().size(),
          e.source());
    }
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "List policies")
  public List<PolicyView> list() {
    return store.list().stream().map(PolicyView::of).toList();
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("{name}")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "One policy, with its source text")
  public PolicyView get(@PathParam("name") String name) {
    return PolicyView.of(find(name));
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("{name}")
  @Produces({ApiMediaTypes.YAML, ApiMediaTypes.X_YAML, ApiMediaTypes.TEXT_YAML})
  @Operation(summary = "One policy's source text as written")
  public String source(@PathParam("name") String name) {
    return find(name).source();
  }

  @RolesAllowed(Roles.OPERATOR)
  @PUT
  @Path("{name}")
  @Consumes({
    ApiMediaTypes.YAML,
    ApiMediaTypes.X_YAML,
    ApiMediaTypes.TEXT_YAML,
    MediaType.APPLICATION_JSON,
    MediaType.TEXT_PLAIN
  })
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Create or replace a policy",
      description =
          "The body is the policy in YAML or JSON. 422 with every problem (path, line, column) if"
              + " it is invalid; nothing is stored then.")
  public Response put(
      @PathParam("name") String name, String body, @jakarta.ws.rs.core.Context UriInfo uri)
      throws DocumentException {
    checkName(name);
    if (body == null || body.isBlank()) {
      throw new BadRequestException("the request body must hold the policy (YAML or JSON)");
    }
    PolicyStore.Put put = store.put(name, body, actor());
    PolicyView view = PolicyView.of(put.entry());
    return put.created()
        ? Response.created(uri.getAbsolutePath()).entity(view).build()
        : Response.ok(view).build();
  }

  @RolesAllowed(Roles.OPERATOR)
  @DELETE
  @Path("{name}")
  @Operation(summary = "Delete a policy")
  public Response delete(@PathParam("name") String name) {
    checkName(name);
    if (!store.delete(name)) {
      throw new NotFoundException("no policy named '" + name + "'");
    }
    return Response.noContent().build();
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @POST
  @Path("{name}/plan")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "The plan this policy would make now",
      description = "Which host goes in which wave and batch, and why. Nothing is started.")
  public Response plan(@PathParam("name") String name) {
    PolicyStore.Entry entry = find(name);
    var inventory = hosts.hosts();
    var plan = WavePlanner.plan(entry.policy(), inventory, clock.instant());
    // a policy stored before a guardrail was tightened is held to the guardrails in force now
    var broken = guardrails.check(entry.policy(), plan.selectedHosts(), inventory.size());
    if (!broken.isEmpty()) {
      return ProblemDetail.response(
          ProblemDetail.Type.GUARDRAIL,
          "policy '" + name + "' breaks the controller's guardrails",
          broken.stream()
              .map(
                  v ->
                      new dev.patchwave.doc.Problem(
                          v.path(), dev.patchwave.doc.Location.UNKNOWN, v.text()))
              .toList());
    }
    return Response.ok(PlanView.of(plan)).type(MediaType.APPLICATION_JSON).build();
  }

  private PolicyStore.Entry find(String name) {
    checkName(name);
    return store
        .get(name)
        .orElseThrow(() -> new NotFoundException("no policy named '" + name + "'"));
  }

  static void checkName(String name) {
    if (!Names.OBJECT_NAME.matcher(name).matches()) {
      throw new BadRequestException(
          "'" + dev.patchwave.doc.Binder.abbreviate(name) + "' is not " + Names.OBJECT_NAME_WHAT);
    }
  }

  /** Who is calling: the API token's name or the OIDC subject; recorded in events and audit. */
  private String actor() {
    return identity.getPrincipal().getName();
  }
}
