package dev.patchwave.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped JSON Schema (src/main/resources/schema/rollout-policy.schema.json, which editors use)
 * describes exactly the language the validator accepts: the same fields in every object, the same
 * words in every enumeration, and no object that accepts unknown fields.
 */
class PolicySchemaTest {

  static JsonNode schema;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in =
        PolicySchemaTest.class
            .getClassLoader()
            .getResourceAsStream("schema/rollout-policy.schema.json")) {
      schema = new ObjectMapper().readTree(in);
    }
  }

  @Test
  void everyObjectHasTheValidatorsFields() {
    Map<String, Set<String>> fromSchema = new TreeMap<>();
    Map<String, Set<String>> enums = new TreeMap<>();
    walk(schema, "", fromSchema, enums);
    assertThat(fromSchema).isEqualTo(new TreeMap<>(PolicyReader.FIELDS));
  }

  @Test
  void everyEnumerationHasTheValidatorsWords() {
    Map<String, Set<String>> fromSchema = new TreeMap<>();
    Map<String, Set<String>> enums = new TreeMap<>();
    walk(schema, "", fromSchema, enums);
    Map<String, Set<String>> expected = new TreeMap<>();
    PolicyReader.enumerations().forEach((k, v) -> expected.put(k, new TreeSet<>(v)));
    assertThat(enums).isEqualTo(expected);
  }

  @Test
  void noObjectAcceptsUnknownFields() {
    assertClosed(schema, "");
  }

  private static void walk(
      JsonNode node,
      String path,
      Map<String, Set<String>> objects,
      Map<String, Set<String>> enums) {
    if (node.has("enum")) {
      Set<String> words = new TreeSet<>();
      node.get("enum").forEach(w -> words.add(w.asText()));
      enums.put(path, words);
    }
    if (node.has("properties")) {
      Set<String> keys = new TreeSet<>();
      Iterator<Map.Entry<String, JsonNode>> it = node.get("properties").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        keys.add(e.getKey());
        walk(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), objects, enums);
      }
      objects.put(path, keys);
    }
    if (node.has("items")) {
      walk(node.get("items"), path + "[]", objects, enums);
    }
    // a field written either way (reboot: ifRequired, or reboot: {when: ifRequired, ...})
    node.path("oneOf").forEach(alternative -> walk(alternative, path, objects, enums));
  }

  private static void assertClosed(JsonNode node, String path) {
    if (node.has("properties")) {
      assertThat(
              node.path("additionalProperties").isBoolean()
                  && !node.get("additionalProperties").asBoolean())
          .as("%s must set additionalProperties: false", path.isEmpty() ? "<root>" : path)
          .isTrue();
      node.get("properties")
          .fields()
          .forEachRemaining(e -> assertClosed(e.getValue(), path + "." + e.getKey()));
    }
    if (node.has("items")) {
      assertClosed(node.get("items"), path + "[]");
    }
    node.path("oneOf").forEach(alternative -> assertClosed(alternative, path));
  }
}
