package dev.patchwave.health;

import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Verdict;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A condition of the host's Kubernetes node must have a status (Ready True, DiskPressure False).
 * Read from the node watch, not over SSH. A host that is not a node, a node the watch does not
 * know, or a node without that condition is INCONCLUSIVE: never a pass.
 */
public final class NodeConditionCheck implements HealthCheck {

  private final String name;
  private final String type;
  private final String status;
  private final Function<String, Optional<Map<String, String>>> conditions;

  public NodeConditionCheck(
      String name,
      String type,
      String status,
      Function<String, Optional<Map<String, String>>> conditions) {
    this.name = name;
    this.type = type;
    this.status = status;
    this.conditions = conditions;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CheckResult check(Target t) {
    Optional<String> node = t.host().kubernetesNode();
    if (node.isEmpty()) {
      return new CheckResult(name, Verdict.INCONCLUSIVE, "the host is not a Kubernetes node");
    }
    Optional<Map<String, String>> known = conditions.apply(node.get());
    if (known.isEmpty()) {
      return new CheckResult(
          name,
          Verdict.INCONCLUSIVE,
          "node " + node.get() + " is not known (Kubernetes off, or the node watch not synced)");
    }
    String actual = known.get().get(type);
    if (actual == null) {
      return new CheckResult(
          name, Verdict.INCONCLUSIVE, "node " + node.get() + " reports no " + type + " condition");
    }
    return actual.equals(status)
        ? new CheckResult(name, Verdict.PASS, "node " + node.get() + ": " + type + "=" + actual)
        : new CheckResult(
            name,
            Verdict.FAIL,
            "node " + node.get() + ": " + type + "=" + actual + ", expected " + status);
  }
}
