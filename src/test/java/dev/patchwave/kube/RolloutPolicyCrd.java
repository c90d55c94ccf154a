package dev.patchwave.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The {@code RolloutPolicy} CustomResourceDefinition made from the policy file's JSON Schema
 * (src/main/resources/schema/rollout-policy.schema.json), so that the two cannot drift apart: the
 * schema's {@code spec} becomes a structural OpenAPI schema as Kubernetes requires it.
 *
 * <ul>
 *   <li>{@code additionalProperties: false} becomes {@code x-kubernetes-preserve-unknown-fields}:
 *       the API server keeps a misspelt field rather than pruning it, so the controller's validator
 *       reports it in the status instead of the policy silently losing it;
 *   <li>a value that is a count or a percentage, or a duration or 0, is {@code
 *       x-kubernetes-int-or-string};
 *   <li>other {@code oneOf}/{@code not} (which of a check's keys go together), {@code const},
 *       {@code propertyNames}, {@code uniqueItems} and {@code default} are left to the controller's
 *       validator, which reports them located, in the status;
 *   <li>a value of several types (a label's value: string, number or boolean) keeps what it is.
 * </ul>
 */
final class RolloutPolicyCrd {

  static final Path SCHEMA = Path.of("src/main/resources/schema/rollout-policy.schema.json");
  static final Path CRD = Path.of("deploy/base/crd-rolloutpolicy.yaml");

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Set<String> DROPPED =
      Set.of("$schema", "$id", "title", "default", "propertyNames", "uniqueItems", "const", "not");

  private RolloutPolicyCrd() {}

  static ObjectNode generate(ObjectMapper json) throws IOException {
    JsonNode schema = json.readTree(SCHEMA.toFile());
    ObjectNode spec = structural(schema.path("properties").path("spec"));

    ObjectNode root = F.objectNode();
    root.put("type", "object");
    root.put(
        "description",
        "A rollout policy (docs/policy-reference.md): the same document as a policy file.");
    ObjectNode props = root.putObject("properties");
    props.putObject("apiVersion").put("type", "string");
    props.putObject("kind").put("type", "string");
    props.putObject("metadata").put("type", "object");
    props.set("spec", spec);
    props.set("status", status());
    root.putArray("required").add("spec");

    ObjectNode crd = F.objectNode();
    crd.put("apiVersion", "apiextensions.k8s.io/v1");
    crd.put("kind", "CustomResourceDefinition");
    crd.putObject("metadata").put("name", "rolloutpolicies.patchwave.dev");
    ObjectNode s = crd.putObject("spec");
    s.put("group", "patchwave.dev");
    s.put("scope", "Namespaced");
    ObjectNode names = s.putObject("names");
    names.put("kind", "RolloutPolicy");
    names.put("listKind", "RolloutPolicyList");
    names.put("plural", "rolloutpolicies");
    names.put("singular", "rolloutpolicy");
    names.putArray("shortNames").add("rpol");
    ObjectNode v1 = s.putArray("versions").addObject();
    v1.put("name", "v1");
    v1.put("served", true);
    v1.put("storage", true);
    v1.putObject("subresources").putObject("status");
    ArrayNode columns = v1.putArray("additionalPrinterColumns");
    column(columns, "Status", "string", ".status.phase", null);
    column(columns, "Revision", "integer", ".status.revision", null);
    column(columns, "Last-Rollout", "integer", ".status.lastRollout.id", null);
    column(columns, "Rollout-Phase", "string", ".status.lastRollout.phase", null);
    column(columns, "Pending", "integer", ".status.pendingUpdates", null);
    column(columns, "Message", "string", ".status.message", 1);
    column(columns, "Age", "date", ".metadata.creationTimestamp", null);
    v1.putObject("schema").set("openAPIV3Schema", root);
    return crd;
  }

  private static void column(
      ArrayNode columns, String name, String type, String path, Integer priority) {
    ObjectNode c = columns.addObject();
    c.put("name", name);
    c.put("type", type);
    c.put("jsonPath", path);
    if (priority != null) {
      c.put("priority", priority);
    }
  }

  /** A JSON Schema node as a structural schema node. */
  static ObjectNode structural(JsonNode node) {
    ObjectNode out = F.objectNode();
    if (isIntOrString(node)) {
      copyDescription(node, out);
      out.put("x-kubernetes-int-or-string", true);
      return out;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String key = f.getKey();
      JsonNode value = f.getValue();
      if (DROPPED.contains(key) || key.equals("oneOf") || key.equals("anyOf")) {
        continue;
      }
      switch (key) {
        case "properties" -> {
          ObjectNode props = out.putObject("properties");
          value.fields().forEachRemaining(p -> props.set(p.getKey(), structural(p.getValue())));
        }
        case "items" -> out.set("items", structural(value));
        case "additionalProperties" -> {
          if (value.isBoolean()) {
            if (!value.asBoolean()) {
              out.put("x-kubernetes-preserve-unknown-fields", true);
            }
          } else {
            out.set("additionalProperties", structural(value));
          }
        }
        case "type" -> {
          if (value.isArray()) {
            // several types (a label value): kept as written, checked by the controller
            out.put("x-kubernetes-preserve-unknown-fields", true);
          } else {
            out.set("type", value);
          }
        }
        default -> out.set(key, value);
      }
    }
    if (!out.has("type") && !out.has("x-kubernetes-preserve-unknown-fields")) {
      // an enum without a type (builtin check names): the values are strings
      if (node.has("enum") && node.get("enum").get(0).isTextual()) {
        out.put("type", "string");
      } else if (node.has("properties") || node.has("additionalProperties")) {
        out.put("type", "object");
      } else {
        out.put("x-kubernetes-preserve-unknown-fields", true);
      }
    }
    return out;
  }

  /** oneOf [integer, string] (a count or a percentage), or [string, 0] (a duration or 0). */
  private static boolean isIntOrString(JsonNode node) {
    JsonNode one = node.get("oneOf");
    if (one == null || !one.isArray() || one.size() != 2) {
      return false;
    }
    boolean integer = false;
    boolean string = false;
    for (JsonNode branch : one) {
      String type = branch.path("type").asText("");
      integer |= type.equals("integer") || branch.path("const").isIntegralNumber();
      string |= type.equals("string");
    }
    return integer && string;
  }

  private static void copyDescription(JsonNode from, ObjectNode to) {
    if (from.has("description")) {
      to.set("description", from.get("description"));
    }
  }

  private static ObjectNode status() {
    ObjectNode s = F.objectNode();
    s.put("type", "object");
    s.put("description", "What the controller made of the resource (written by the controller).");
    ObjectNode p = s.putObject("properties");
    p.putObject("observedGeneration").put("type", "integer");
    p.putObject("phase")
        .put("type", "string")
        .put("description", "Applied, AwaitingApproval, Invalid or Refused");
    p.putObject("accepted")
        .put("type", "boolean")
        .put("description", "valid, within the guardrails and the check catalogue");
    p.putObject("message").put("type", "string");
    ObjectNode problems = p.putObject("problems");
    problems.put("type", "array");
    ObjectNode problem = problems.putObject("items");
    problem.put("type", "object");
    ObjectNode pp = problem.putObject("properties");
    pp.putObject("path").put("type", "string");
    pp.putObject("message").put("type", "string");
    p.putObject("revision")
        .put("type", "integer")
        .put("description", "the revision of the policy in force");
    p.putObject("pendingRevision")
        .put("type", "integer")
        .put("description", "the revision that waits for an approver");
    ObjectNode last = p.putObject("lastRollout");
    last.put("type", "object");
    ObjectNode lp = last.putObject("properties");
    lp.putObject("id").put("type", "integer");
    lp.putObject("phase").put("type", "string");
    lp.putObject("startedAt").put("type", "string");
    p.putObject("pendingUpdates")
        .put("type", "integer")
        .put(
            "description",
            "pending versions (at the hosts' last scans) the policy would roll out to its hosts");
    p.putObject("updatedAt").put("type", "string");
    return s;
  }
}
