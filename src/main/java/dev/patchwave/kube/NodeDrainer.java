package dev.patchwave.kube;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Cordons and drains nodes the way {@code kubectl drain} does, minus every way to force: pods are
 * evicted (never deleted), a PodDisruptionBudget that refuses an eviction (429) is waited out with
 * backoff until the drain timeout, DaemonSet and mirror pods stay, and a pod with emptyDir data is
 * evicted only when the policy allows it. A node is uncordoned only if it carries Patchwave's
 * annotation: a node an operator cordoned stays cordoned.
 */
public class NodeDrainer implements AutoCloseable {

  /** How a drain ended. */
  public sealed interface DrainResult {}

  /** Cordoned (by us, or already by someone else) and every evictable pod is gone. */
  public record Drained(boolean cordonedByUs, int evicted) implements DrainResult {}

  /** The node left the cluster while it was drained. */
  public record NodeGone(String node) implements DrainResult {}

  /** Not drained within the timeout, or refused outright; {@code why} names the pod and PDB. */
  public record DrainFailed(String why) implements DrainResult {}

  private static final Logger LOG = Logger.getLogger(NodeDrainer.class);

  /** On a node Patchwave cordoned: which rollout did. */
  public static final String CORDONED_BY = "patchwave.dev/cordoned-by";

  static final String MIRROR = "kubernetes.io/config.mirror";

  private final KubernetesClient client;
  private final Clock clock;
  private final Duration poll;
  private final CordonLog log;
  private final boolean fieldSelectors;
  private final Optional<String> eventNamespace;
  private final KubernetesClient evictions;

  /** Where cordons are recorded besides the node (the database). */
  public interface CordonLog {
    void cordoned(String node, long rolloutId);

    void uncordoned(String node, long rolloutId);

    CordonLog NONE =
        new CordonLog() {
          @Override
          public void cordoned(String node, long rolloutId) {}

          @Override
          public void uncordoned(String node, long rolloutId) {}
        };
  }

  public NodeDrainer(KubernetesClient client, Clock clock, Duration poll, CordonLog log) {
    this(client, clock, poll, log, true);
  }

  /**
   * {@code fieldSelectors}: list a node's pods with {@code spec.nodeName=} on the server (the real
   * API server; false only for the Fabric8 mock server, which cannot select on that field).
   */
  public NodeDrainer(
      KubernetesClient client, Clock clock, Duration poll, CordonLog log, boolean fieldSelectors) {
    this(client, clock, poll, log, fieldSelectors, Optional.empty());
  }

  /**
   * {@code eventNamespace}: where to record Kubernetes Events about the nodes (cordoned, drained,
   * drain failed, uncordoned), so that {@code kubectl describe node} tells why; none: no events.
   */
  public NodeDrainer(
      KubernetesClient client,
      Clock clock,
      Duration poll,
      CordonLog log,
      boolean fieldSelectors,
      Optional<String> eventNamespace) {
    this.eventNamespace = eventNamespace;
    this.fieldSelectors = fieldSelectors;
    // a 429 from an eviction is an answer (a PodDisruptionBudget says not now), not a fault to
    // retry inside the HTTP client: this drainer waits and asks again on its own schedule
    this.evictions =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
    this.client = client;
    this.clock = clock;
    this.poll = poll;
    this.log = log;
  }

  /**
   * Cordons {@code node} (marking it as cordoned by rollout {@code rolloutId}, unless it already
   * was unschedulable) and evicts its pods through the Eviction API until none is left or {@code
   * timeout} passes, looking again with backoff while a PodDisruptionBudget refuses. Never deletes
   * a pod; leaves DaemonSet and mirror pods; refuses pods with emptyDir volumes unless {@code
   * deleteEmptyDirData}. {@code mayAct} is asked before each change. Blocking: the controller uses
   * {@link #drainOnce} instead, one pass per wake-up.
   */
  public DrainResult drain(
      String name,
      long rolloutId,
      Duration timeout,
      boolean deleteEmptyDirData,
      BooleanSupplier mayAct) {
    Instant deadline = clock.instant().plus(timeout);
    java.util.Set<String> accepted = new java.util.HashSet<>();
    Duration backoff = poll;
    int evicted = 0;
    while (true) {
      DrainResult r = pass(name, rolloutId, deadline, deleteEmptyDirData, mayAct, accepted);
      if (r instanceof Drained d) {
        return new Drained(d.cordonedByUs(), evicted + d.evicted());
      }
      if (!(r instanceof Draining d)) {
        return r;
      }
      evicted += d.evicted();
      sleep(backoff);
      backoff = d.refused() ? min(backoff.multipliedBy(2), Duration.ofSeconds(30)) : poll;
    }
  }

  /**
   * One pass of a drain: cordons the node if it is not yet (marking it as cordoned by rollout
   * {@code rolloutId}), evicts the pods still on it that are not already terminating, and says
   * where the drain stands: {@link Drained} once no evictable pod is left, {@link Draining} while
   * pods terminate or a PodDisruptionBudget refuses, {@link DrainFailed} once {@code deadline} has
   * passed with pods left or a pod holds emptyDir data the policy does not allow to delete. Holds
   * no thread between passes: call again after {@link Draining#lookAgainIn}.
   */
  public DrainResult drainOnce(
      String name,
      long rolloutId,
      Instant deadline,
      boolean deleteEmptyDirData,
      BooleanSupplier mayAct) {
    return pass(name, rolloutId, deadline, deleteEmptyDirData, mayAct, new java.util.HashSet<>());
  }

  /** Evictions given, pods left: look again after {@code lookAgainIn}. */
  public record Draining(int evicted, boolean refused, String waitingFor, Duration lookAgainIn)
      implements DrainResult {}

  private DrainResult pass(
      String name,
      long rolloutId,
      Instant deadline,
      boolean deleteEmptyDirData,
      BooleanSupplier mayAct,
      java.util.Set<String> accepted) {
    Node node = client.nodes().withName(name).get();
    if (node == null) {
      return new NodeGone(name);
    }
    boolean ours;
    boolean unschedulable = Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    String mark = Long.toString(rolloutId);
    if (!unschedulable) {
      if (!mayAct.getAsBoolean()) {
        return new DrainFailed("the rollout may no longer act");
      }
      Node cordoned =
          edit(
              name,
              n ->
                  new NodeBuilder(n)
                      .editSpec()
                      .withUnschedulable(true)
                      .endSpec()
                      .editMetadata()
                      .addToAnnotations(CORDONED_BY, mark)
                      .endMetadata()
                      .build());
      if (cordoned == null) {
        return new NodeGone(name);
      }
      log.cordoned(name, rolloutId);
      event(name, "Normal", "Cordoned", "cordoned by Patchwave for rollout " + rolloutId);
      ours = true;
      LOG.infof("node %s: cordoned for rollout %d", name, rolloutId);
    } else {
      ours = mark.equals(annotation(node));
    }
    List<Pod> remaining = evictable(name);
    List<String> refusedData = new ArrayList<>();
    for (Pod p : remaining) {
      if (!deleteEmptyDirData && usesEmptyDir(p)) {
        refusedData.add(id(p));
      }
    }
    if (!refusedData.isEmpty()) {
      return failed(
          name,
          "pods with emptyDir data, which the policy does not allow to delete"
              + " (kubernetes.deleteEmptyDirData): "
              + String.join(", ", refusedData));
    }
    if (remaining.isEmpty()) {
      LOG.infof("node %s: drained", name);
      event(name, "Normal", "Drained", "drained by Patchwave for rollout " + rolloutId);
      return new Drained(ours, 0);
    }
    Map<String, String> refusals = new LinkedHashMap<>();
    int evicted = 0;
    for (Pod p : remaining) {
      if (p.getMetadata().getDeletionTimestamp() != null || accepted.contains(uid(p))) {
        continue; // evicted before, still terminating
      }
      if (!mayAct.getAsBoolean()) {
        return new DrainFailed("the rollout may no longer act");
      }
      try {
        boolean ok =
            evictions
                .pods()
                .inNamespace(p.getMetadata().getNamespace())
                .withName(p.getMetadata().getName())
                .evict();
        if (ok) {
          accepted.add(uid(p));
          evicted++;
          LOG.debugf("node %s: evicted %s", name, id(p));
        } else {
          refusals.put(
              id(p),
              disruptionBudget(p)
                  .map(b -> "PodDisruptionBudget " + b)
                  .orElse("a PodDisruptionBudget"));
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          continue; // gone meanwhile
        }
        refusals.put(id(p), "HTTP " + e.getCode() + " " + e.getStatus().getMessage());
      }
    }
    List<String> why = new ArrayList<>();
    refusals.forEach((pod, by) -> why.add(pod + " (refused by " + by + ")"));
    String waiting =
        why.isEmpty()
            ? "pods terminating: "
                + String.join(", ", remaining.stream().map(NodeDrainer::id).toList())
            : "eviction " + String.join(", ", why);
    if (clock.instant().isAfter(deadline)) {
      return failed(name, "not drained within the drain timeout (by " + deadline + "); " + waiting);
    }
    return new Draining(evicted, !refusals.isEmpty(), waiting, poll);
  }

  /** A pod's identity across its life: its uid, or namespace/name where it has none. */
  private static String uid(Pod p) {
    String uid = p.getMetadata().getUid();
    return uid != null ? uid : id(p);
  }

  /** Uncordons {@code node} if, and only if, Patchwave cordoned it. True if it did. */
  public boolean uncordonIfOurs(String name, long rolloutId) {
    Node node = client.nodes().withName(name).get();
    if (node == null || annotation(node) == null) {
      return false;
    }
    Node done =
        edit(
            name,
            n -> {
              if (n.getMetadata().getAnnotations() == null
                  || !n.getMetadata().getAnnotations().containsKey(CORDONED_BY)) {
                return n; // an operator took the cordon over meanwhile
              }
              return new NodeBuilder(n)
                  .editSpec()
                  .withUnschedulable(false)
                  .endSpec()
                  .editMetadata()
                  .removeFromAnnotations(CORDONED_BY)
                  .endMetadata()
                  .build();
            });
    if (done == null || Boolean.TRUE.equals(done.getSpec().getUnschedulable())) {
      return false;
    }
    log.uncordoned(name, rolloutId);
    event(name, "Normal", "Uncordoned", "uncordoned by Patchwave after rollout " + rolloutId);
    LOG.infof("node %s: uncordoned after rollout %d", name, rolloutId);
    return true;
  }

  @Override
  public void close() {
    evictions.close();
  }

  /** Pods on the node that a drain evicts: not DaemonSet pods, not mirror pods, not finished. */
  List<Pod> evictable(String node) {
    var pods = client.pods().inAnyNamespace();
    return (fieldSelectors ? pods.withField("spec.nodeName", node) : pods)
        .list().getItems().stream()
            .filter(p -> node.equals(p.getSpec().getNodeName()))
            .filter(p -> !isDaemonSetPod(p) && !isMirror(p))
            .filter(
                p ->
                    p.getStatus() == null
                        || !("Succeeded".equals(p.getStatus().getPhase())
                            || "Failed".equals(p.getStatus().getPhase())))
            .toList();
  }

  static boolean isDaemonSetPod(Pod p) {
    List<OwnerReference> owners = p.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(o -> "DaemonSet".equals(o.getKind()));
  }

  static boolean isMirror(Pod p) {
    Map<String, String> a = p.getMetadata().getAnnotations();
    return a != null && a.containsKey(MIRROR);
  }

  static boolean usesEmptyDir(Pod p) {
    return p.getSpec().getVolumes() != null
        && p.getSpec().getVolumes().stream().anyMatch(v -> v.getEmptyDir() != null);
  }

  /** The first PodDisruptionBudget in the pod's namespace whose selector matches the pod. */
  Optional<String> disruptionBudget(Pod p) {
    String ns = p.getMetadata().getNamespace();
    Map<String, String> labels =
        p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
    return client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems().stream()
        .filter(b -> b.getSpec() != null && matches(b.getSpec().getSelector(), labels))
        .map(PodDisruptionBudget::getMetadata)
        .map(m -> m.getNamespace() + "/" + m.getName())
        .findFirst();
  }

  static boolean matches(LabelSelector s, Map<String, String> labels) {
    if (s == null) {
      return false;
    }
    if (s.getMatchLabels() != null
        && !labels.entrySet().containsAll(s.getMatchLabels().entrySet())) {
      return false;
    }
    if (s.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : s.getMatchExpressions()) {
        String v = labels.get(r.getKey());
        boolean ok =
            switch (r.getOperator()) {
              case "In" -> v != null && r.getValues().contains(v);
              case "NotIn" -> v == null || !r.getValues().contains(v);
              case "Exists" -> v != null;
              case "DoesNotExist" -> v == null;
              default -> false;
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  private DrainFailed failed(String node, String why) {
    event(node, "Warning", "DrainFailed", "Patchwave could not drain the node: " + why);
    return new DrainFailed(why);
  }

  /** Records an Event on the node; a failure to record one never stops a drain. */
  private void event(String node, String type, String reason, String message) {
    if (eventNamespace.isEmpty()) {
      return;
    }
    try {
      String now = java.time.format.DateTimeFormatter.ISO_INSTANT.format(clock.instant());
      client
          .v1()
          .events()
          .inNamespace(eventNamespace.get())
          .resource(
              new io.fabric8.kubernetes.api.model.EventBuilder()
                  .withNewMetadata()
                  .withGenerateName("patchwave-" + node + "-")
                  .withNamespace(eventNamespace.get())
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion("v1")
                  .withKind("Node")
                  .withName(node)
                  .endInvolvedObject()
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message)
                  .withNewSource()
                  .withComponent("patchwave")
                  .endSource()
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .build())
          .create();
    } catch (RuntimeException e) {
      LOG.debugf("node %s: event %s not recorded: %s", node, reason, e.getMessage());
    }
  }

  private Node edit(String name, java.util.function.UnaryOperator<Node> change) {
    try {
      return client.nodes().withName(name).edit(change);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  private static String annotation(Node n) {
    Map<String, String> a = n.getMetadata().getAnnotations();
    return a == null ? null : a.get(CORDONED_BY);
  }

  static String id(Pod p) {
    return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while draining", e);
    }
  }
}
