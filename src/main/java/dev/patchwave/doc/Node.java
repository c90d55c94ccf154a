package dev.patchwave.doc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A node of a parsed document; each carries the location of its first character. */
public sealed interface Node {

  Location location();

  /** Short human name of the node's kind, used in "expected X, found Y" messages. */
  String kindName();

  /** A mapping. Keys keep their order of appearance; duplicates are rejected by the parser. */
  record MapNode(Location location, Map<String, Entry> entries) implements Node {
    public MapNode {
      entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    @Override
    public String kindName() {
      return "an object";
    }
  }

  /** One key of a mapping, with the location of the key itself (where "unknown field" points). */
  record Entry(String key, Location keyLocation, Node value) {}

  /** A sequence. */
  record ListNode(Location location, List<Node> items) implements Node {
    public ListNode {
      items = List.copyOf(items);
    }

    @Override
    public String kindName() {
      return "a list";
    }
  }

  /** A scalar with the type the parser resolved (quoted YAML scalars are always strings). */
  record ScalarNode(Location location, ScalarType type, String text) implements Node {
    @Override
    public String kindName() {
      return switch (type) {
        case STRING -> "a string";
        case INTEGER -> "an integer";
        case DECIMAL -> "a number";
        case BOOLEAN -> "a boolean";
        case NULL -> "null";
      };
    }
  }

  enum ScalarType {
    STRING,
    INTEGER,
    DECIMAL,
    BOOLEAN,
    NULL
  }
}
