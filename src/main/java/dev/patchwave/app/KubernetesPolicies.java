package dev.patchwave.app;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.engine.RolloutEngine;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.kube.PolicyResources;
import dev.patchwave.kube.PolicyTarget;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.AuditLog;
import dev.patchwave.persistence.PolicyRevision;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.persistence.QuarantineStore;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.persistence.ScanStore;
import dev.patchwave.persistence.StoredPolicy;
import dev.patchwave.policy.RolloutPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * With {@code patchwave.kubernetes.policies=true}, {@code RolloutPolicy} resources in the
 * controller's namespace are policies ({@link PolicyResources}): joined here to the policy store,
 * so that a resource is validated, held to the guardrails and the check catalogue, and, when it
 * loosens safety, kept as a pending revision for an approver, exactly like an API write. A resource
 * manages only a policy it created (not one written through the API or from the policy directory),
 * and the API refuses to change or delete a policy a resource manages.
 */
@ApplicationScoped
public class KubernetesPolicies implements PolicyTarget {

  private static final Logger LOG = Logger.getLogger(KubernetesPolicies.class);

  private final boolean enabled;
  private final Optional<String> namespace;
  private final Duration resync;
  private final boolean review;
  private final Instance<KubernetesClient> client;
  private final PolicyStore policies;
  private final RolloutStore rollouts;
  private final ScanStore scans;
  private final QuarantineStore quarantine;
  private final HostSource inventory;
  private final AuditLog audit;
  private final RolloutEngine engine;
  private final Clock clock;
  private PolicyResources resources;

  public KubernetesPolicies(
      @ConfigProperty(name = "patchwave.kubernetes.policies") boolean enabled,
      @ConfigProperty(name = "patchwave.namespace") Optional<String> namespace,
      @ConfigProperty(name = "patchwave.kubernetes.policies-resync") Duration resync,
      @ConfigProperty(name = "patchwave.approval.policy-changes") boolean review,
      Instance<KubernetesClient> client,
      PolicyStore policies,
      RolloutStore rollouts,
      ScanStore scans,
      QuarantineStore quarantine,
      HostSource inventory,
      AuditLog audit,
      RolloutEngine engine,
      Clock clock) {
    this.enabled = enabled;
    this.namespace = namespace;
    this.resync = resync;
    this.review = review;
    this.client = client;
    this.policies = policies;
    this.rollouts = rollouts;
    this.scans = scans;
    this.quarantine = quarantine;
    this.inventory = inventory;
    this.audit = audit;
    this.engine = engine;
    this.clock = clock;
  }

  void onStart(@Observes StartupEvent e) {
    if (!enabled) {
      return;
    }
    KubernetesClient k = client.get();
    String ns = namespace.orElseGet(() -> Optional.ofNullable(k.getNamespace()).orElse("default"));
    resources = PolicyResources.start(k, ns, this, engine::isActive, clock, resync);
  }

  void onStop(@Observes ShutdownEvent e) {
    if (resources != null) {
      resources.close();
    }
  }

  @Override
  public Outcome apply(String name, String text, String owner) {
    Optional<PolicyStore.Entry> existing = policies.get(name);
    if (existing.isPresent() && !ownedBy(existing.get(), owner)) {
      PolicyStore.Entry e = existing.get();
      return new Outcome.Refused(
          "policy '"
              + name
              + "' exists and was written "
              + (e.origin() == StoredPolicy.Origin.FILE
                  ? "from the policy directory (" + e.originRef() + ")"
                  : e.origin() == StoredPolicy.Origin.KUBERNETES
                      ? "by the RolloutPolicy resource " + e.originRef()
                      : "through the API")
              + "; a RolloutPolicy resource manages only a policy it created: delete that policy"
              + " or give this resource another name");
    }
    if (existing.isPresent() && existing.get().source().equals(text)) {
      return new Outcome.Applied(existing.get().revision(), false);
    }
    Optional<PolicyStore.Revision> waiting =
        policies.revisions(name).stream()
            .filter(r -> r.status() == PolicyRevision.Status.PENDING && r.source().equals(text))
            .findFirst();
    if (waiting.isPresent()) {
      return new Outcome.Pending(waiting.get().id(), waiting.get().loosens());
    }
    String actor = PolicyStore.KUBERNETES_ACTOR + owner;
    try {
      PolicyStore.Change change =
          policies.put(name, text, actor, review, StoredPolicy.Origin.KUBERNETES, owner);
      if (change instanceof PolicyStore.Change.Pending p) {
        audit.record(
            actor,
            "policy.propose",
            "policy/" + name,
            AuditLog.Outcome.SUCCESS,
            null,
            "revision "
                + p.revision().id()
                + " loosens: "
                + String.join("; ", p.revision().loosens()));
        return new Outcome.Pending(p.revision().id(), p.revision().loosens());
      }
      PolicyStore.Put put = ((PolicyStore.Change.Applied) change).put();
      audit.record(
          actor,
          "policy.put",
          "policy/" + name,
          AuditLog.Outcome.SUCCESS,
          null,
          "revision " + put.entry().revision());
      LOG.infof("policies: %s applied as revision %d", owner, put.entry().revision());
      return new Outcome.Applied(put.entry().revision(), true);
    } catch (DocumentException e) {
      return new Outcome.Invalid(e.problems());
    }
  }

  @Override
  public boolean remove(String name, String owner) {
    Optional<PolicyStore.Entry> existing = policies.get(name);
    if (existing.isEmpty() || !ownedBy(existing.get(), owner)) {
      return false;
    }
    boolean removed = policies.delete(name);
    if (removed) {
      audit.record(
          PolicyStore.KUBERNETES_ACTOR + owner,
          "policy.delete",
          "policy/" + name,
          AuditLog.Outcome.SUCCESS,
          null,
          "its RolloutPolicy resource was deleted");
    }
    return removed;
  }

  @Override
  public List<String> owned(String namespace) {
    return policies.list().stream()
        .filter(
            e ->
                e.origin() == StoredPolicy.Origin.KUBERNETES
                    && e.originRef() != null
                    && e.originRef().startsWith(namespace + "/"))
        .map(PolicyStore.Entry::name)
        .toList();
  }

  @Override
  public Optional<Progress> progress(String name) {
    return policies
        .get(name)
        .map(
            e -> {
              var last = rollouts.latestOf(name);
              return new Progress(
                  e.revision(),
                  last.map(r -> r.id),
                  last.map(r -> r.phase),
                  last.map(r -> r.startedAt.toInstant()),
                  pendingUpdates(e.policy()));
            });
  }

  /** Versions pending at the selected hosts' last scans that the policy would take. */
  private int pendingUpdates(RolloutPolicy policy) {
    Set<String> selected =
        inventory.hosts().stream()
            .filter(h -> policy.spec().selector().matches(h.labels()))
            .map(Host::name)
            .collect(Collectors.toSet());
    Set<PackageVersion> blocked = new HashSet<>(quarantine.active());
    RolloutPolicy.Packages packages = policy.spec().packages();
    int n = 0;
    for (ScanStore.Pending p : scans.pending()) {
      if ((packages.origin() == RolloutPolicy.PackageOrigin.ALL || p.security())
          && packages.selects(p.packageName())
          && !blocked.contains(p.packageVersion())
          && scans.hostsNeeding(p.packageVersion()).stream().anyMatch(selected::contains)) {
        n++;
      }
    }
    return n;
  }

  private static boolean ownedBy(PolicyStore.Entry e, String owner) {
    return e.origin() == StoredPolicy.Origin.KUBERNETES && owner.equals(e.originRef());
  }
}
