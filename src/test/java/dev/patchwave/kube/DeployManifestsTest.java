package dev.patchwave.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.testing.MockKubernetes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under deploy/base loads with the Fabric8 client and applies to the mock API
 * server, the Deployment is what operations expect of it, and the RBAC rules allow exactly what the
 * code does: the calls are recorded from the drainer, the node informer and the leader election
 * running against the mock server, then each is checked against the rules.
 */
class DeployManifestsTest {

  static final Path BASE = Path.of("deploy/base");

  /** The Prometheus Operator's resource, which the mock server learns like a CRD. */
  static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext SERVICE_MONITOR =
      new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
          .withGroup("monitoring.coreos.com")
          .withVersion("v1")
          .withKind("ServiceMonitor")
          .withPlural("servicemonitors")
          .withNamespaced(true)
          .build();

  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void cluster() {
    server = MockKubernetes.crud();
    server.expectCustomResource(
        new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder()
            .withGroup("monitoring.coreos.com")
            .withVersion("v1")
            .withKind("ServiceMonitor")
            .withPlural("servicemonitors")
            .withScope("Namespaced")
            .build());
    server.expectCustomResource(
        new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder()
            .withGroup("patchwave.dev")
            .withVersion("v1")
            .withKind("RolloutPolicy")
            .withPlural("rolloutpolicies")
            .withScope("Namespaced")
            .withStatusSubresource(true)
            .build());
    client = server.createClient();
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  static List<Path> manifests() throws Exception {
    try (Stream<Path> files = Files.list(BASE)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml"))
          .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
          .sorted()
          .toList();
    }
  }

  List<HasMetadata> load(Path p) throws Exception {
    try (InputStream in = Files.newInputStream(p)) {
      return client.load(in).items();
    }
  }

  @Test
  void everyManifestLoadsAppliesAndIsListedInTheKustomization() throws Exception {
    String kustomization = Files.readString(BASE.resolve("kustomization.yaml"));
    List<String> kinds = new ArrayList<>();
    for (Path p : manifests()) {
      assertThat(kustomization)
          .as("kustomization lists %s", p.getFileName())
          .contains("- " + p.getFileName());
      for (HasMetadata item : load(p)) {
        assertThat(item.getMetadata().getName()).isNotBlank();
        HasMetadata created =
            item instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource g
                ? client
                    .genericKubernetesResources(SERVICE_MONITOR)
                    .inNamespace(g.getMetadata().getNamespace())
                    .resource(g)
                    .create()
                : client.resource(item).create();
        assertThat(created.getMetadata().getUid())
            .as("%s %s applied", item.getKind(), item.getMetadata().getName())
            .isNotNull();
        kinds.add(item.getKind());
      }
    }
    assertThat(kinds)
        .contains(
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "ConfigMap",
            "Deployment",
            "Service",
            "PodDisruptionBudget",
            "ServiceMonitor",
            "CustomResourceDefinition");
  }

  @Test
  void theDeploymentRunsTwoNonRootReplicasWithProbesLimitsAndTheSecrets() throws Exception {
    Deployment d = (Deployment) load(BASE.resolve("deployment.yaml")).get(0);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("patchwave");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    var c = pod.getContainers().get(0);
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    assertThat(c.getEnv())
        .filteredOn(e -> e.getName().startsWith("QUARKUS_DATASOURCE_"))
        .allSatisfy(
            e ->
                assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("patchwave-db"));
    assertThat(pod.getVolumes())
        .extracting(v -> v.getSecret() == null ? null : v.getSecret().getSecretName())
        .contains("patchwave-ssh", "patchwave-api-tokens");
  }

  @Test
  void theDeploymentReadsItsCheckCatalogueFromTheConfigMapAndTheCatalogueIsValid()
      throws Exception {
    Deployment d = (Deployment) load(BASE.resolve("deployment.yaml")).get(0);
    var pod = d.getSpec().getTemplate().getSpec();
    var c = pod.getContainers().get(0);
    String file =
        c.getEnv().stream()
            .filter(e -> e.getName().equals("PATCHWAVE_CHECKS_FILE"))
            .findFirst()
            .orElseThrow()
            .getValue();
    String volume =
        c.getVolumeMounts().stream()
            .filter(m -> file.startsWith(m.getMountPath() + "/"))
            .findFirst()
            .orElseThrow()
            .getName();
    String configMap =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals(volume))
            .findFirst()
            .orElseThrow()
            .getConfigMap()
            .getName();
    io.fabric8.kubernetes.api.model.ConfigMap checks =
        (io.fabric8.kubernetes.api.model.ConfigMap)
            load(BASE.resolve("checks-configmap.yaml")).get(0);
    assertThat(checks.getMetadata().getName()).isEqualTo(configMap);
    String key = file.substring(file.lastIndexOf('/') + 1);
    dev.patchwave.policy.CheckCatalogue catalogue =
        dev.patchwave.policy.CheckCatalogueReader.read(checks.getData().get(key));
    assertThat(catalogue.http()).containsKey("kubelet-healthz");
    assertThat(catalogue.allowInline()).isFalse();
  }

  /** One API call: group, resource (with subresource), verb, and namespace if any. */
  record Call(String group, String resource, String verb, String namespace) {}

  static final Pattern CORE =
      Pattern.compile("/api/v1(?:/namespaces/([^/]+))?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?");
  static final Pattern GROUP =
      Pattern.compile(
          "/apis/([^/]+)/[^/]+(?:/namespaces/([^/]+))?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?");

  static Call call(RecordedRequest r) {
    String path = r.getPath();
    String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    String group;
    String ns;
    String resource;
    String name;
    String sub;
    Matcher m = CORE.matcher(bare);
    if (m.matches()) {
      group = "";
      ns = m.group(1);
      resource = m.group(2);
      name = m.group(3);
      sub = m.group(4);
      if (resource.equals("namespaces") && name != null) {
        ns = name; // a namespace itself
      }
    } else {
      Matcher g = GROUP.matcher(bare);
      assertThat(g.matches()).as("an API path: %s", path).isTrue();
      group = g.group(1);
      ns = g.group(2);
      resource = g.group(3);
      name = g.group(4);
      sub = g.group(5);
    }
    String verb =
        switch (r.getMethod()) {
          case "GET" -> query.contains("watch=true") ? "watch" : name == null ? "list" : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> "delete";
          default -> r.getMethod();
        };
    return new Call(group, sub == null ? resource : resource + "/" + sub, verb, ns);
  }

  static boolean allows(List<PolicyRule> rules, Call c) {
    return rules.stream()
        .anyMatch(
            r ->
                r.getApiGroups().contains(c.group())
                    && r.getResources().contains(c.resource())
                    && r.getVerbs().contains(c.verb()));
  }

  @Test
  void theRbacRulesAllowEveryCallTheControllerMakesAndNothingDangerous() throws Exception {
    // the code at work against the mock server: the node watch, a drain with a PDB lookup, an
    // uncordon, readiness, and the leader election
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("n1")
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .withNewStatus()
                .addNewAddress()
                .withType("InternalIP")
                .withAddress("10.0.0.1")
                .endAddress()
                .endStatus()
                .build())
        .create();
    client
        .pods()
        .inNamespace("shop")
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("web-1")
                .withNamespace("shop")
                .endMetadata()
                .withNewSpec()
                .withNodeName("n1")
                .addNewContainer()
                .withName("c")
                .withImage("i")
                .endContainer()
                .endSpec()
                .build())
        .create();
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/shop/pods/web-1/eviction")
        .andReturn(429, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(429).build())
        .always();
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // the set-up's own calls are not the controller's
    }
    try (NodeInventory nodes =
        new NodeInventory(
            client, Optional.empty(), 22, dev.patchwave.inventory.Host.PackageFamily.APT)) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(nodes::hasSynced);
      NodeDrainer drainer =
          new NodeDrainer(
              client,
              Clock.systemUTC(),
              Duration.ofMillis(50),
              NodeDrainer.CordonLog.NONE,
              false,
              Optional.of("patchwave"));
      drainer.drain("n1", 1, Duration.ofMillis(300), false, () -> true);
      drainer.uncordonIfOurs("n1", 1);
      try (LeaderElection election =
          LeaderElection.start(
              client,
              "patchwave",
              "patchwave-leader",
              "pod-a",
              Duration.ofSeconds(15),
              () -> {},
              () -> {})) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(election::isLeader);
      }
    }
    // a RolloutPolicy resource reconciled: watched, its status written, an Event recorded
    client
        .genericKubernetesResources(PolicyResources.CONTEXT)
        .inNamespace("patchwave")
        .resource(
            new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("patchwave.dev/v1")
                .withKind("RolloutPolicy")
                .withNewMetadata()
                .withName("p1")
                .withNamespace("patchwave")
                .endMetadata()
                .addToAdditionalProperties("spec", Map.of("waves", List.of()))
                .build())
        .create();
    // (that create is the test's, not the controller's)
    List<Call> beforeTheResource = new ArrayList<>();
    RecordedRequest earlier;
    while ((earlier = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      beforeTheResource.add(call(earlier));
    }
    beforeTheResource.remove(new Call("patchwave.dev", "rolloutpolicies", "create", "patchwave"));
    try (PolicyResources resources =
        PolicyResources.start(
            client,
            "patchwave",
            new AppliedTarget(),
            () -> true,
            Clock.systemUTC(),
            Duration.ofMillis(100))) {
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  client
                          .genericKubernetesResources(PolicyResources.CONTEXT)
                          .inNamespace("patchwave")
                          .withName("p1")
                          .get()
                          .getAdditionalProperties()
                          .get("status")
                      != null);
    }
    Set<Call> calls = new java.util.LinkedHashSet<>(beforeTheResource);
    RecordedRequest r;
    while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
      calls.add(call(r));
    }
    assertThat(calls)
        .extracting(Call::resource)
        .contains(
            "nodes",
            "pods",
            "pods/eviction",
            "poddisruptionbudgets",
            "leases",
            "events",
            "rolloutpolicies",
            "rolloutpolicies/status");

    List<HasMetadata> rbac = load(BASE.resolve("rbac.yaml"));
    List<PolicyRule> cluster =
        ((ClusterRole)
                rbac.stream().filter(ClusterRole.class::isInstance).findFirst().orElseThrow())
            .getRules();
    List<PolicyRule> namespaced =
        ((Role) rbac.stream().filter(Role.class::isInstance).findFirst().orElseThrow()).getRules();
    Set<String> refused = new TreeSet<>();
    for (Call c : calls) {
      boolean ok =
          allows(cluster, c) || ("patchwave".equals(c.namespace()) && allows(namespaced, c));
      if (!ok) {
        refused.add(c.toString());
      }
    }
    assertThat(refused).as("calls the RBAC rules do not allow").isEmpty();

    // and nothing that could hurt: no pod deletes, no secrets, no wildcards
    List<PolicyRule> all = new ArrayList<>(cluster);
    all.addAll(namespaced);
    assertThat(allows(all, new Call("", "pods", "delete", null))).isFalse();
    assertThat(all)
        .allSatisfy(
            rule -> {
              assertThat(rule.getResources()).doesNotContain("secrets", "*");
              assertThat(rule.getVerbs()).doesNotContain("*", "deletecollection");
              assertThat(rule.getApiGroups()).doesNotContain("*");
            });
  }

  /** A policy target that applies everything: the reconciler's calls are what is recorded. */
  static final class AppliedTarget implements PolicyTarget {
    @Override
    public Outcome apply(String name, String text, String owner) {
      return new Outcome.Applied(1, true);
    }

    @Override
    public boolean remove(String name, String owner) {
      return false;
    }

    @Override
    public List<String> owned(String namespace) {
      return List.of();
    }

    @Override
    public Optional<Progress> progress(String name) {
      return Optional.empty();
    }
  }
}
