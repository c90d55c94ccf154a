package dev.patchwave.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Leader election with a Kubernetes Lease: one replica acts, the others wait to take over. Being
 * leader is not enough to act on a rollout: every decision is still fenced by the rollout's lease
 * in the database, so an old leader that was paused or cut off cannot act after a new one took
 * over.
 */
public final class LeaderElection implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(LeaderElection.class);

  private final AtomicBoolean leader = new AtomicBoolean();
  private final CompletableFuture<?> running;

  private LeaderElection(
      KubernetesClient client,
      String namespace,
      String lease,
      String identity,
      Duration leaseDuration,
      Runnable onStart,
      Runnable onStop) {
    Duration renew = leaseDuration.multipliedBy(2).dividedBy(3);
    Duration retry = leaseDuration.dividedBy(5);
    this.running =
        client
            .leaderElector()
            .withConfig(
                new LeaderElectionConfigBuilder()
                    .withName("patchwave")
                    .withLock(new LeaseLock(namespace, lease, identity))
                    .withLeaseDuration(leaseDuration)
                    .withRenewDeadline(renew)
                    .withRetryPeriod(retry)
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(
                        new LeaderCallbacks(
                            () -> {
                              LOG.infof("leader election: %s leads", identity);
                              leader.set(true);
                              onStart.run();
                            },
                            () -> {
                              LOG.infof("leader election: %s no longer leads", identity);
                              leader.set(false);
                              onStop.run();
                            },
                            who -> LOG.infof("leader election: the leader is %s", who)))
                    .build())
            .build()
            .start();
  }

  /** Joins the election for {@code lease} in {@code namespace} as {@code identity}. */
  public static LeaderElection start(
      KubernetesClient client,
      String namespace,
      String lease,
      String identity,
      Duration leaseDuration,
      Runnable onStart,
      Runnable onStop) {
    return new LeaderElection(client, namespace, lease, identity, leaseDuration, onStart, onStop);
  }

  public boolean isLeader() {
    return leader.get();
  }

  /** Leaves the election, handing the lease back so another replica takes over at once. */
  @Override
  public void close() {
    running.cancel(true);
  }
}
