package dev.patchwave.api;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/v1/plans}: the plan a policy that is not stored would make now, against the
 * inventory, within the guardrails and the check catalogue in force. For a policy file before it is
 * applied ({@code patchwave plan -f}); nothing is stored or started.
 */
@Path("/api/v1/plans")
@Tag(name = "policies")
public class PlanResource {

  private final PolicyResource policies;

  public PlanResource(PolicyResource policies) {
    this.policies = policies;
  }

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @POST
  @Consumes({
    ApiMediaTypes.YAML,
    ApiMediaTypes.X_YAML,
    ApiMediaTypes.TEXT_YAML,
    MediaType.APPLICATION_JSON,
    MediaType.TEXT_PLAIN
  })
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "The plan of a policy given in the body, not stored",
      description =
          "422 with every problem (path, line, column) if the policy is invalid, breaks a"
              + " guardrail or has a check outside the check catalogue; nothing is stored.")
  public Response plan(byte[] bytes) throws DocumentException {
    return policies.planNow(policies.readUnstored(bytes));
  }
}
