package dev.patchwave.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Kubernetes-style label selector: every {@code matchLabels} pair and every expression must hold.
 * An empty selector ({@code {}}) selects every host.
 */
public record Selector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

  public Selector {
    matchLabels = new TreeMap<>(matchLabels);
    matchExpressions = List.copyOf(matchExpressions);
  }

  public static final Selector EVERYTHING = new Selector(Map.of(), List.of());

  public boolean matches(Map<String, String> labels) {
    for (Map.Entry<String, String> e : matchLabels.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return matchExpressions.stream().allMatch(r -> r.matches(labels));
  }

  public record Requirement(String key, Operator operator, Set<String> values) {
    public Requirement {
      values = Set.copyOf(values);
    }

    public boolean matches(Map<String, String> labels) {
      String v = labels.get(key);
      return switch (operator) {
        case IN -> v != null && values.contains(v);
        case NOT_IN -> v == null || !values.contains(v);
        case EXISTS -> v != null;
        case DOES_NOT_EXIST -> v == null;
      };
    }
  }

  public enum Operator {
    IN("In"),
    NOT_IN("NotIn"),
    EXISTS("Exists"),
    DOES_NOT_EXIST("DoesNotExist");

    public final String word;

    Operator(String word) {
      this.word = word;
    }
  }
}
