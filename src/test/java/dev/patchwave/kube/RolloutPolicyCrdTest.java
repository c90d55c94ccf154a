package dev.patchwave.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.patchwave.testing.MockKubernetes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The {@code RolloutPolicy} CRD in deploy/ is the policy file's JSON Schema made structural ({@link
 * RolloutPolicyCrd}); it is a structural schema as Kubernetes requires; it and every example
 * policy, as a resource, load with the Fabric8 client. Regenerate the file after a schema change:
 * {@code ./mvnw test -Dtest=RolloutPolicyCrdTest -Dpatchwave.write-crd=true}.
 */
class RolloutPolicyCrdTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final ObjectMapper YAML =
      new ObjectMapper(
              new YAMLFactory()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS))
          .enable(SerializationFeature.INDENT_OUTPUT);

  @Test
  void theCrdIsThePolicySchemaMadeStructural() throws IOException {
    JsonNode generated = RolloutPolicyCrd.generate(JSON);
    if (Boolean.getBoolean("patchwave.write-crd")) {
      Files.writeString(
          RolloutPolicyCrd.CRD,
          "# Generated from src/main/resources/schema/rollout-policy.schema.json by"
              + " RolloutPolicyCrdTest\n# (./mvnw test -Dtest=RolloutPolicyCrdTest"
              + " -Dpatchwave.write-crd=true); do not edit by hand.\n"
              + YAML.writeValueAsString(generated));
    }
    JsonNode stored = YAML.readTree(RolloutPolicyCrd.CRD.toFile());
    assertThat(stored)
        .as(
            "deploy/base/crd-rolloutpolicy.yaml is out of date with the JSON Schema; regenerate it:"
                + " ./mvnw test -Dtest=RolloutPolicyCrdTest -Dpatchwave.write-crd=true")
        .isEqualTo(generated);
  }

  @Test
  void theSchemaIsStructural() throws IOException {
    JsonNode schema = RolloutPolicyCrd.generate(JSON).at("/spec/versions/0/schema/openAPIV3Schema");
    List<String> problems = new ArrayList<>();
    check(schema, "", problems);
    assertThat(problems).isEmpty();
    // what the controller's validator must still see is kept: every spec field is declared
    JsonNode spec = schema.at("/properties/spec/properties");
    assertThat(iterable(spec.fieldNames()))
        .contains("selector", "packages", "waves", "health", "disruption", "canary", "failure");
    assertThat(schema.at("/properties/spec/properties/waves/items/properties/size"))
        .isEqualTo(JSON.readTree("{\"x-kubernetes-int-or-string\": true}"));
    assertThat(schema.at("/properties/spec/x-kubernetes-preserve-unknown-fields").asBoolean())
        .isTrue();
  }

  /** Kubernetes' rules for a structural schema, as far as this schema can break them. */
  static void check(JsonNode n, String path, List<String> problems) {
    for (String forbidden : List.of("oneOf", "anyOf", "allOf", "not", "const", "$ref", "$schema")) {
      if (n.has(forbidden)) {
        problems.add(path + ": " + forbidden);
      }
    }
    if (n.path("uniqueItems").asBoolean()) {
      problems.add(path + ": uniqueItems true");
    }
    boolean typed = n.path("type").isTextual();
    boolean free =
        n.path("x-kubernetes-preserve-unknown-fields").asBoolean()
            || n.path("x-kubernetes-int-or-string").asBoolean();
    if (!typed && !free) {
      problems.add(path + ": no type");
    }
    if (n.has("additionalProperties") && n.has("properties")) {
      problems.add(path + ": properties and additionalProperties together");
    }
    if (n.has("properties")) {
      n.get("properties")
          .fields()
          .forEachRemaining(f -> check(f.getValue(), path + "." + f.getKey(), problems));
    }
    if (n.has("items")) {
      check(n.get("items"), path + "[]", problems);
    }
    if (n.path("additionalProperties").isObject()) {
      check(n.get("additionalProperties"), path + "{}", problems);
    }
  }

  @Test
  void theCrdAndEveryExamplePolicyLoadAsResources() throws IOException {
    KubernetesMockServer server = MockKubernetes.crud();
    try (KubernetesClient client = server.createClient()) {
      CustomResourceDefinition crd =
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .load(RolloutPolicyCrd.CRD.toFile())
              .item();
      assertThat(crd.getSpec().getNames().getKind()).isEqualTo("RolloutPolicy");
      assertThat(crd.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      server.expectCustomResource(
          new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder()
              .withGroup("patchwave.dev")
              .withVersion("v1")
              .withKind("RolloutPolicy")
              .withPlural("rolloutpolicies")
              .withScope("Namespaced")
              .build());
      try (Stream<Path> files = Files.list(Path.of("policies"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
          GenericKubernetesResource r =
              client
                  .genericKubernetesResources(PolicyResources.CONTEXT)
                  .inNamespace("patchwave")
                  .load(f.toFile())
                  .item();
          assertThat(r.getKind()).as(f.toString()).isEqualTo("RolloutPolicy");
          assertThat(((Map<?, ?>) r.getAdditionalProperties().get("spec"))).isNotEmpty();
          client
              .genericKubernetesResources(PolicyResources.CONTEXT)
              .inNamespace("patchwave")
              .resource(r)
              .create();
        }
      }
      assertThat(
              client
                  .genericKubernetesResources(PolicyResources.CONTEXT)
                  .inNamespace("patchwave")
                  .list()
                  .getItems())
          .hasSizeGreaterThanOrEqualTo(5);
    } finally {
      server.destroy();
    }
  }

  private static List<String> iterable(Iterator<String> it) {
    List<String> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
