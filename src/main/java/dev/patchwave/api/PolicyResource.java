package dev.patchwave.api;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.CheckCatalogue;
import dev.patchwave.policy.Guardrails;
import dev.patchwave.policy.Names;
import dev.patchwave.policy.RolloutPolicy;
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
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
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
  private final CheckCatalogue checks;

  /** A change that loosens safety waits for a second person (DESIGN invariant 11). */
  @org.eclipse.microprofile.config.inject.ConfigProperty(
      name = "patchwave.approval.policy-changes",
      defaultValue = "true")
  boolean reviewPolicyChanges;

  public PolicyResource(
      PolicyStore store,
      HostSource hosts,
      Clock clock,
      Guardrails guardrails,
      CheckCatalogue checks) {
    this.guardrails = guardrails;
    this.checks = checks;
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
              + " it is invalid or breaks a guardrail; nothing is stored then. A new policy, or a"
              + " change that loosens safety, is stored as a pending revision (202 with its"
              + " Location) that takes effect once another approver approves it.")
  public Response put(@PathParam("name") String name, byte[] bytes) throws DocumentException {
    checkName(name);
    String body = bytes == null ? null : dev.patchwave.doc.Utf8.decode(bytes);
    if (body == null || body.isBlank()) {
      throw new BadRequestException("the request body must hold the policy (YAML or JSON)");
    }
    refuseIfKubernetesOwned(name, "changed");
    PolicyStore.Change change = store.put(name, body, actor(), reviewPolicyChanges);
    if (change instanceof PolicyStore.Change.Pending p) {
      // loosens safety: waits for a second person (202, with where to find the revision)
      return Response.accepted(RevisionView.of(p.revision(), current(name)))
          .header(
              HttpHeaders.LOCATION, "/api/v1/policies/" + name + "/revisions/" + p.revision().id())
          .build();
    }
    PolicyStore.Put put = ((PolicyStore.Change.Applied) change).put();
    PolicyView view = PolicyView.of(put.entry());
    return put.created()
        ? Response.status(Response.Status.CREATED)
            .header(HttpHeaders.LOCATION, "/api/v1/policies/" + name)
            .entity(view)
            .build()
        : Response.ok(view).build();
  }

  /** A proposed change that loosens safety, with what it loosens and its diff. */
  public record RevisionView(
      long id,
      String policy,
      String status,
      long baseRevision,
      List<String> loosens,
      String proposedBy,
      OffsetDateTime proposedAt,
      String decidedBy,
      OffsetDateTime decidedAt,
      String source,
      List<String> diff) {
    static RevisionView of(PolicyStore.Revision r, String currentSource) {
      return new RevisionView(
          r.id(),
          r.policy(),
          r.status().name(),
          r.baseRevision(),
          r.loosens(),
          r.proposedBy(),
          r.proposedAt(),
          r.decidedBy().orElse(null),
          r.decidedAt().orElse(null),
          r.source(),
          TextDiff.lines(currentSource, r.source()));
    }
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("{name}/revisions")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Proposed changes of a policy that loosen safety, newest first",
      description = "Pending ones take effect only when a second person approves them.")
  public List<RevisionView> revisions(@PathParam("name") String name) {
    checkName(name);
    String now = current(name);
    return store.revisions(name).stream().map(r -> RevisionView.of(r, now)).toList();
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @GET
  @Path("{name}/revisions/{id}")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "One proposed change: what it loosens, its source and its diff")
  public RevisionView revision(@PathParam("name") String name, @PathParam("id") String id) {
    checkName(name);
    long n = revisionId(id);
    return store
        .revision(name, n)
        .map(r -> RevisionView.of(r, current(name)))
        .orElseThrow(() -> new NotFoundException("no revision " + n + " of policy '" + name + "'"));
  }

  @RolesAllowed(Roles.APPROVER)
  @POST
  @Path("{name}/revisions/{id}/approve")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Approve a pending revision: it becomes the policy",
      description =
          "Only an approver who did not propose it (403 otherwise); 409 if it is not pending or"
              + " the policy changed since; 422 if it no longer keeps within the guardrails.")
  public Response approveRevision(@PathParam("name") String name, @PathParam("id") String id)
      throws DocumentException {
    checkName(name);
    long n = revisionId(id);
    try {
      return Response.ok(PolicyView.of(store.approve(name, n, actor()).entry())).build();
    } catch (PolicyStore.RevisionRefused e) {
      return refused(e);
    } catch (jakarta.persistence.PersistenceException e) {
      return ProblemDetail.response(
          ProblemDetail.Type.CONFLICT, "revision " + n + " was decided at the same moment");
    }
  }

  @RolesAllowed(Roles.APPROVER)
  @POST
  @Path("{name}/revisions/{id}/reject")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Turn a pending revision down: the policy stays as it is")
  public Response rejectRevision(@PathParam("name") String name, @PathParam("id") String id) {
    checkName(name);
    long n = revisionId(id);
    try {
      return Response.ok(RevisionView.of(store.reject(name, n, actor()), current(name))).build();
    } catch (PolicyStore.RevisionRefused e) {
      return refused(e);
    } catch (jakarta.persistence.PersistenceException e) {
      return ProblemDetail.response(
          ProblemDetail.Type.CONFLICT, "revision " + n + " was decided at the same moment");
    }
  }

  private static Response refused(PolicyStore.RevisionRefused e) {
    ProblemDetail.Type type =
        switch (e.why) {
          case NOT_FOUND -> ProblemDetail.Type.NOT_FOUND;
          case SAME_PERSON -> ProblemDetail.Type.FORBIDDEN;
          case NOT_PENDING, STALE -> ProblemDetail.Type.CONFLICT;
        };
    return ProblemDetail.response(type, e.getMessage());
  }

  /** The policy's source now, or nothing if it does not exist yet. */
  private String current(String name) {
    return store.get(name).map(PolicyStore.Entry::source).orElse("");
  }

  private static long revisionId(String text) {
    long n = Params.id(text, "revision id");
    if (n < 1) {
      throw new BadRequestException("revision id must be a positive whole number");
    }
    return n;
  }

  @RolesAllowed(Roles.OPERATOR)
  @DELETE
  @Path("{name}")
  @Operation(summary = "Delete a policy")
  public Response delete(@PathParam("name") String name) {
    checkName(name);
    refuseIfKubernetesOwned(name, "deleted");
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
    return planNow(find(name).policy());
  }

  /**
   * The plan {@code policy} makes against the inventory now, or the guardrails or checks it breaks
   * now (a policy stored before a guardrail was tightened is held to the one in force).
   */
  Response planNow(RolloutPolicy policy) {
    String name = policy.name();
    var inventory = hosts.hosts();
    var plan = WavePlanner.plan(policy, inventory, clock.instant());
    var broken = guardrails.check(policy, plan.selectedHosts(), inventory.size());
    if (!broken.isEmpty()) {
      return ProblemDetail.guardrails(
          "policy '" + name + "' breaks the controller's guardrails", broken);
    }
    var outside = checks.check(policy);
    if (!outside.isEmpty()) {
      return ProblemDetail.checks(
          "policy '" + name + "' has checks outside the controller's check catalogue", outside);
    }
    return Response.ok(PlanView.of(plan)).type(MediaType.APPLICATION_JSON).build();
  }

  /** A policy text read as a PUT reads it, for a plan; nothing is stored. */
  RolloutPolicy readUnstored(byte[] bytes) throws DocumentException {
    String body = bytes == null ? null : dev.patchwave.doc.Utf8.decode(bytes);
    if (body == null || body.isBlank()) {
      throw new BadRequestException("the request body must hold the policy (YAML or JSON)");
    }
    return store.read(body);
  }

  private PolicyStore.Entry find(String name) {
    checkName(name);
    return store
        .get(name)
        .orElseThrow(() -> new NotFoundException("no policy named '" + name + "'"));
  }

  /**
   * A policy that a {@code RolloutPolicy} resource owns changes only through that resource (it
   * would otherwise be written back at the next reconcile): 409 naming it.
   */
  private void refuseIfKubernetesOwned(String name, String what) {
    store
        .get(name)
        .filter(e -> e.origin() == dev.patchwave.persistence.StoredPolicy.Origin.KUBERNETES)
        .ifPresent(
            e -> {
              throw new jakarta.ws.rs.ClientErrorException(
                  "policy '"
                      + name
                      + "' is managed by the RolloutPolicy resource "
                      + e.originRef()
                      + " in Kubernetes; it is "
                      + what
                      + " there (kubectl)",
                  Response.Status.CONFLICT);
            });
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
