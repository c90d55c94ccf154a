package dev.patchwave.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.MockKubernetes;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drains against the Fabric8 mock API server in CRUD mode. */
class NodeDrainerTest {

  KubernetesMockServer server;
  final ScheduledExecutorService apiServer = Executors.newSingleThreadScheduledExecutor();
  KubernetesClient client;
  NodeDrainer drainer;
  final List<String> cordonLog = new ArrayList<>();

  @BeforeEach
  void cluster() {
    server = MockKubernetes.crud();
    client = server.createClient();
    drainer =
        new NodeDrainer(
            client,
            Clock.systemUTC(),
            Duration.ofMillis(50),
            new NodeDrainer.CordonLog() {
              @Override
              public void cordoned(String node, long rolloutId) {
                cordonLog.add("cordoned " + node + " " + rolloutId);
              }

              @Override
              public void uncordoned(String node, long rolloutId) {
                cordonLog.add("uncordoned " + node + " " + rolloutId);
              }
            },
            false, // the mock server cannot select pods by spec.nodeName; the drainer filters too
            java.util.Optional.of("patchwave"));
    node("node-1", false);
  }

  @AfterEach
  void stop() {
    apiServer.shutdownNow();
    client.close();
    server.destroy();
  }

  void node(String name, boolean cordoned) {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("topology.kubernetes.io/zone", "z1")
                .endMetadata()
                .withNewSpec()
                .withUnschedulable(cordoned)
                .endSpec()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .addNewAddress()
                .withType("InternalIP")
                .withAddress("10.0.0.1")
                .endAddress()
                .endStatus()
                .build())
        .create();
  }

  Pod pod(String ns, String name, String node, String owner, boolean mirror, boolean emptyDir) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .addToLabels("app", name.replaceAll("-\\d+$", ""))
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .addNewContainer()
            .withName("c")
            .withImage("busybox")
            .endContainer()
            .endSpec();
    if (owner != null) {
      b.editMetadata()
          .addNewOwnerReference()
          .withKind(owner)
          .withName("owner")
          .withApiVersion("apps/v1")
          .withUid("u")
          .endOwnerReference()
          .endMetadata();
    }
    if (mirror) {
      b.editMetadata().addToAnnotations(NodeDrainer.MIRROR, "x").endMetadata();
    }
    if (emptyDir) {
      b.editSpec()
          .addNewVolume()
          .withName("scratch")
          .withNewEmptyDir()
          .endEmptyDir()
          .endVolume()
          .endSpec();
    }
    Pod created = client.pods().inNamespace(ns).resource(b.build()).create();
    // the mock server stores an Eviction like any object; a real API server deletes the pod
    // (unless a PodDisruptionBudget refuses with 429). Play the API server's part, a moment later.
    MockKubernetes.evictionDeletesPod(server, client, apiServer, ns, name, () -> {});
    return created;
  }

  List<String> podsOn(String node) {
    return client.pods().inAnyNamespace().list().getItems().stream()
        .filter(p -> node.equals(p.getSpec().getNodeName()))
        .map(NodeDrainer::id)
        .sorted()
        .toList();
  }

  boolean unschedulable(String node) {
    return Boolean.TRUE.equals(client.nodes().withName(node).get().getSpec().getUnschedulable());
  }

  @Test
  void cordonsEvictsOrdinaryPodsLeavesDaemonSetAndMirrorPodsAndUncordonsItsOwnCordon() {
    pod("web", "web-1", "node-1", "ReplicaSet", false, false);
    pod("web", "web-2", "node-1", null, false, false);
    pod("kube-system", "node-exporter-1", "node-1", "DaemonSet", false, false);
    pod("kube-system", "kube-proxy-node-1", "node-1", null, true, false);
    pod("web", "web-3", "node-2", "ReplicaSet", false, false);

    var result = drainer.drain("node-1", 7, Duration.ofSeconds(10), false, () -> true);

    assertThat(result).isEqualTo(new NodeDrainer.Drained(true, 2));
    assertThat(unschedulable("node-1")).isTrue();
    assertThat(client.nodes().withName("node-1").get().getMetadata().getAnnotations())
        .containsEntry(NodeDrainer.CORDONED_BY, "7");
    assertThat(podsOn("node-1"))
        .containsExactly("kube-system/kube-proxy-node-1", "kube-system/node-exporter-1");
    assertThat(podsOn("node-2")).containsExactly("web/web-3");

    assertThat(drainer.uncordonIfOurs("node-1", 7)).isTrue();
    assertThat(unschedulable("node-1")).isFalse();
    assertThat(client.nodes().withName("node-1").get().getMetadata().getAnnotations())
        .doesNotContainKey(NodeDrainer.CORDONED_BY);
    assertThat(cordonLog).containsExactly("cordoned node-1 7", "uncordoned node-1 7");
    // and kubectl describe node tells why
    assertThat(client.v1().events().inNamespace("patchwave").list().getItems())
        .filteredOn(e -> e.getInvolvedObject().getName().equals("node-1"))
        .extracting(io.fabric8.kubernetes.api.model.Event::getReason)
        .containsExactlyInAnyOrder("Cordoned", "Drained", "Uncordoned");
  }

  @Test
  void aNodeAnOperatorCordonedStaysCordoned() {
    node("node-9", true);
    pod("web", "web-1", "node-9", "ReplicaSet", false, false);

    var result = drainer.drain("node-9", 7, Duration.ofSeconds(10), false, () -> true);

    assertThat(result).isEqualTo(new NodeDrainer.Drained(false, 1));
    assertThat(drainer.uncordonIfOurs("node-9", 7)).isFalse();
    assertThat(unschedulable("node-9")).isTrue();
    assertThat(cordonLog).isEmpty();
  }

  @Test
  void aDisruptionBudgetThatRefusesIsWaitedOutThenTheHostFailsNamingIt() {
    // the budget refuses every eviction of broker-0 (set before the pod: it takes precedence)
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/kafka/pods/broker-0/eviction")
        .andReturn(
            429,
            new StatusBuilder()
                .withCode(429)
                .withReason("TooManyRequests")
                .withMessage("Cannot evict pod as it would violate the pod's disruption budget.")
                .build())
        .always();
    pod("kafka", "broker-0", "node-1", "StatefulSet", false, false);
    client
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace("kafka")
        .resource(
            new PodDisruptionBudgetBuilder()
                .withNewMetadata()
                .withName("brokers")
                .withNamespace("kafka")
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .addToMatchLabels("app", "broker")
                .endSelector()
                .withNewMaxUnavailable(0)
                .endSpec()
                .build())
        .create();

    long start = System.nanoTime();
    var result = drainer.drain("node-1", 7, Duration.ofSeconds(1), false, () -> true);

    assertThat(result).isInstanceOf(NodeDrainer.DrainFailed.class);
    assertThat(((NodeDrainer.DrainFailed) result).why())
        .contains(
            "kafka/broker-0",
            "PodDisruptionBudget kafka/brokers",
            "not drained within the drain timeout");
    // waited out to the timeout, and not much longer: a 429 is not retried inside the client
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1))
        .isLessThan(Duration.ofSeconds(5));
    assertThat(podsOn("node-1")).containsExactly("kafka/broker-0"); // never deleted
    assertThat(server.getRequestCount()).isGreaterThan(6); // it retried
  }

  @Test
  void aPodWithEmptyDirDataIsEvictedOnlyWhenThePolicyAllows() {
    pod("batch", "job-1", "node-1", "Job", false, true);
    var refused = drainer.drain("node-1", 7, Duration.ofSeconds(5), false, () -> true);
    assertThat(refused).isInstanceOf(NodeDrainer.DrainFailed.class);
    assertThat(((NodeDrainer.DrainFailed) refused).why()).contains("batch/job-1", "emptyDir");
    assertThat(podsOn("node-1")).containsExactly("batch/job-1");

    var allowed = drainer.drain("node-1", 7, Duration.ofSeconds(5), true, () -> true);
    assertThat(allowed).isEqualTo(new NodeDrainer.Drained(true, 1));
  }

  @Test
  void aNodeDeletedMidDrainEndsTheDrainAsGone() throws Exception {
    // the budget refuses every eviction of broker-0 (set before the pod: it takes precedence)
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/kafka/pods/broker-0/eviction")
        .andReturn(429, new StatusBuilder().withCode(429).build())
        .always();
    pod("kafka", "broker-0", "node-1", "StatefulSet", false, false);
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    later.schedule(() -> client.nodes().withName("node-1").delete(), 300, TimeUnit.MILLISECONDS);
    var result = drainer.drain("node-1", 7, Duration.ofSeconds(30), false, () -> true);
    later.shutdown();
    assertThat(result).isEqualTo(new NodeDrainer.NodeGone("node-1"));
  }

  @Test
  void nothingIsTouchedOnceTheRolloutMayNoLongerAct() {
    pod("web", "web-1", "node-1", "ReplicaSet", false, false);
    var result = drainer.drain("node-1", 7, Duration.ofSeconds(5), false, () -> false);
    assertThat(result).isInstanceOf(NodeDrainer.DrainFailed.class);
    assertThat(unschedulable("node-1")).isFalse();
    assertThat(podsOn("node-1")).containsExactly("web/web-1");
  }

  @Test
  void onePassAtATimeCordonsEvictsAndSaysWhenToLookAgainThenDrainedThenPastTheDeadline() {
    pod("web", "web-1", "node-1", "ReplicaSet", false, false);
    pod("kube-system", "node-exporter-1", "node-1", "DaemonSet", false, false);
    java.time.Instant deadline = java.time.Instant.now().plusSeconds(10);

    var first = drainer.drainOnce("node-1", 7, deadline, false, () -> true);

    assertThat(first).isInstanceOf(NodeDrainer.Draining.class);
    assertThat(((NodeDrainer.Draining) first).evicted()).isEqualTo(1);
    assertThat(((NodeDrainer.Draining) first).lookAgainIn()).isPositive();
    assertThat(unschedulable("node-1")).isTrue();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> podsOn("node-1").equals(List.of("kube-system/node-exporter-1")));
    assertThat(drainer.drainOnce("node-1", 7, deadline, false, () -> true))
        .isEqualTo(new NodeDrainer.Drained(true, 0));

    // a pod that never goes, past the deadline: failed, naming it
    pod("web", "web-2", "node-1", "ReplicaSet", false, false);
    var late =
        drainer.drainOnce("node-1", 7, java.time.Instant.now().minusSeconds(1), false, () -> true);
    assertThat(late).isInstanceOf(NodeDrainer.DrainFailed.class);
    assertThat(((NodeDrainer.DrainFailed) late).why()).contains("not drained within");
  }
}
