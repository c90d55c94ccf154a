package dev.patchwave.api;

import dev.patchwave.persistence.AuditLog;
import dev.patchwave.persistence.AuditLog.Outcome;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.Set;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Writes every mutating API call by an authenticated caller to the audit log, whatever its outcome
 * (a 403 or a 409 is on record as refused). Calls without a valid token are not recorded: they
 * never reach a resource, and recording them would let anyone fill the table.
 */
public class AuditFilter {

  private static final Logger LOG = Logger.getLogger(AuditFilter.class);
  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

  @Inject CurrentIdentityAssociation identities;
  @Inject AuditLog audit;

  /**
   * Runs after the response is built, on the IO thread for calls refused before they reached a
   * worker (a 403), so the identity is resolved without blocking and the record is written on a
   * worker; the response waits for it.
   */
  @ServerResponseFilter
  public Uni<Void> record(
      ContainerRequestContext request, ContainerResponseContext response, SimpleResourceInfo info) {
    if (READS.contains(request.getMethod()) || info == null || info.getResourceClass() == null) {
      return Uni.createFrom().voidItem();
    }
    String action = action(info);
    String target = request.getUriInfo().getPath();
    int status = response.getStatus();
    String detail =
        response.getEntity() instanceof ProblemDetail p && p.detail() != null ? p.detail() : "";
    return identities
        .getDeferredIdentity()
        .onFailure()
        .recoverWithNull()
        .onItem()
        .transformToUni(
            identity -> {
              if (identity == null || identity.isAnonymous()) {
                return Uni.createFrom().voidItem();
              }
              String actor = identity.getPrincipal().getName();
              return Uni.createFrom()
                  .item(
                      () -> {
                        write(actor, action, target, status, detail);
                        return (Void) null;
                      })
                  .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
            });
  }

  private void write(String actor, String action, String target, int status, String detail) {
    try {
      audit.record(actor, action, target, Outcome.ofStatus(status), status, detail);
    } catch (RuntimeException e) {
      LOG.errorf(e, "audit record of %s %s by %s could not be written", action, target, actor);
    }
  }

  /** {@code PolicyResource.put} -> {@code policy.put}. */
  static String action(SimpleResourceInfo info) {
    String type = info.getResourceClass().getSimpleName().replace("Resource", "");
    return Character.toLowerCase(type.charAt(0)) + type.substring(1) + "." + info.getMethodName();
  }
}
