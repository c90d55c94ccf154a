package dev.patchwave.kube;

import dev.patchwave.doc.Problem;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the controller does with the {@code RolloutPolicy} resources it watches ({@link
 * PolicyResources}): a port, joined to the policy store in {@code app}, so that a resource goes
 * through the same validation, guardrails and revision rules as a policy written through the API.
 */
public interface PolicyTarget {

  /**
   * Applies the policy text that resource {@code owner} ({@code namespace/name}) holds. Applying
   * the same text again changes nothing.
   */
  Outcome apply(String name, String text, String owner);

  /** Removes policy {@code name} if resource {@code owner} owns it; whether it did. */
  boolean remove(String name, String owner);

  /** The names of the policies that resources of {@code namespace} own. */
  List<String> owned(String namespace);

  /** What a resource's status shows besides the outcome. */
  Optional<Progress> progress(String name);

  /** What became of a resource's text. */
  sealed interface Outcome {
    /** The policy is this text now, at {@code revision} ({@code changed}: by this call). */
    record Applied(long revision, boolean changed) implements Outcome {}

    /** The text loosens safety: revision {@code revisionId} waits for an approver. */
    record Pending(long revisionId, List<String> loosens) implements Outcome {}

    /** The text is not a valid policy, or breaks a guardrail or the check catalogue. */
    record Invalid(List<Problem> problems) implements Outcome {}

    /** The controller will not apply it (another origin owns the name). */
    record Refused(String reason) implements Outcome {}
  }

  /**
   * @param revision the stored policy's revision
   * @param pendingUpdates pending versions (at the hosts' last scans) that the policy would roll
   *     out to the hosts it selects
   */
  record Progress(
      long revision,
      Optional<Long> lastRollout,
      Optional<String> lastRolloutPhase,
      Optional<Instant> lastRolloutStartedAt,
      int pendingUpdates) {}
}
