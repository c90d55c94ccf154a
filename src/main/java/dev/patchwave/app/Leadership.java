package dev.patchwave.app;

import dev.patchwave.engine.RolloutEngine;
import dev.patchwave.kube.LeaderElection;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * With {@code patchwave.leader-election.enabled}, the replicas elect one leader through a
 * Kubernetes Lease; only the leader's engine acts. Off by default (a single controller leads
 * itself).
 */
@ApplicationScoped
public class Leadership {

  private static final Logger LOG = Logger.getLogger(Leadership.class);

  private final boolean enabled;
  private final Optional<String> namespace;
  private final String leaseName;
  private final Duration leaseDuration;
  private final Instance<KubernetesClient> client;
  private final RolloutEngine engine;
  private LeaderElection election;

  public Leadership(
      @ConfigProperty(name = "patchwave.leader-election.enabled") boolean enabled,
      @ConfigProperty(name = "patchwave.namespace") Optional<String> namespace,
      @ConfigProperty(name = "patchwave.leader-election.lease-name") String leaseName,
      @ConfigProperty(name = "patchwave.leader-election.lease-duration") Duration leaseDuration,
      Instance<KubernetesClient> client,
      RolloutEngine engine) {
    this.enabled = enabled;
    this.namespace = namespace;
    this.leaseName = leaseName;
    this.leaseDuration = leaseDuration;
    this.client = client;
    this.engine = engine;
  }

  void onStart(@Observes StartupEvent e) {
    if (!enabled) {
      return;
    }
    KubernetesClient k = client.get();
    String ns = namespace.orElseGet(() -> Optional.ofNullable(k.getNamespace()).orElse("default"));
    LOG.infof(
        "leader election: %s joins for Lease %s/%s (%s)",
        engine.instanceId(), ns, leaseName, leaseDuration);
    election =
        LeaderElection.start(
            k, ns, leaseName, engine.instanceId(), leaseDuration, engine::lead, engine::follow);
  }

  void onStop(@Observes ShutdownEvent e) {
    if (election != null) {
      election.close();
    }
  }
}
