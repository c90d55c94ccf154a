package dev.patchwave.persistence;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.DocumentParser;
import dev.patchwave.doc.Node;
import dev.patchwave.policy.CheckCatalogue;
import dev.patchwave.policy.Guardrails;
import dev.patchwave.policy.PolicyChange;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * The policies the controller knows. Only valid policies are ever stored: {@link #put} validates
 * first and changes nothing when the text is invalid.
 */
@ApplicationScoped
public class PolicyStore {

  /** The proposer of a change a Kubernetes resource made: {@code kubernetes:namespace/name}. */
  public static final String KUBERNETES_ACTOR = "kubernetes:";

  private final Clock clock;
  private final Guardrails guardrails;
  private final CheckCatalogue checks;
  private final int revisionsKept;

  public PolicyStore(
      Clock clock,
      Guardrails guardrails,
      CheckCatalogue checks,
      @org.eclipse.microprofile.config.inject.ConfigProperty(
              name = "patchwave.policies.revisions-kept",
              defaultValue = "20")
          int revisionsKept) {
    this.clock = clock;
    this.guardrails = guardrails;
    this.checks = checks;
    this.revisionsKept = Math.max(1, revisionsKept);
  }

  /**
   * A stored policy together with its parsed form.
   *
   * @param originRef the file it was imported from, or the {@code namespace/name} of the Kubernetes
   *     resource that owns it; null for the API
   */
  public record Entry(
      String name,
      String source,
      String format,
      StoredPolicy.Origin origin,
      String originRef,
      long revision,
      OffsetDateTime updatedAt,
      String updatedBy,
      RolloutPolicy policy) {}

  /** Result of a change that took effect: the entry and whether it was new. */
  public record Put(Entry entry, boolean created) {}

  /** A proposed change that loosens safety, as stored. */
  public record Revision(
      long id,
      String policy,
      long baseRevision,
      String source,
      String format,
      List<String> loosens,
      PolicyRevision.Status status,
      String proposedBy,
      OffsetDateTime proposedAt,
      Optional<String> decidedBy,
      Optional<OffsetDateTime> decidedAt) {}

  /** What a {@link #put} did: took effect at once, or waits for a second person. */
  public sealed interface Change {
    record Applied(Put put) implements Change {}

    record Pending(Revision revision) implements Change {}
  }

  /** Why a revision cannot be approved or rejected. */
  public static final class RevisionRefused extends RuntimeException {
    public enum Why {
      NOT_FOUND,
      NOT_PENDING,
      SAME_PERSON,
      STALE
    }

    public final Why why;

    RevisionRefused(Why why, String message) {
      super(message);
      this.why = why;
    }
  }

  @Transactional
  public List<Entry> list() {
    return StoredPolicy.<StoredPolicy>listAll(Sort.by("name")).stream()
        .map(PolicyStore::entry)
        .toList();
  }

  @Transactional
  public Optional<Entry> get(String name) {
    return StoredPolicy.<StoredPolicy>findByIdOptional(name).map(PolicyStore::entry);
  }

  /**
   * Validates {@code source} and stores it under {@code name}.
   *
   * @throws DocumentException when the text is not a valid policy, names another policy, or breaks
   *     a guardrail; the store is unchanged
   */
  /**
   * Validates {@code source} and stores it under {@code name}; with {@code review}, a change that
   * loosens safety ({@link PolicyChange}) is not applied but kept as a pending revision, which
   * supersedes any older pending one of the policy.
   *
   * @throws DocumentException when the text is not a valid policy, names another policy, or breaks
   *     a guardrail; the store is unchanged
   */
  @Transactional
  public Change put(String name, String source, String updatedBy, boolean review)
      throws DocumentException {
    return put(name, source, updatedBy, review, StoredPolicy.Origin.API, null);
  }

  /**
   * As {@link #put(String, String, String, boolean)}, for a policy that {@code origin} owns: a
   * Kubernetes resource ({@code originRef} = its {@code namespace/name}, the proposer {@value
   * #KUBERNETES_ACTOR}{@code namespace/name}).
   */
  @Transactional
  public Change put(
      String name,
      String source,
      String updatedBy,
      boolean review,
      StoredPolicy.Origin origin,
      String originRef)
      throws DocumentException {
    if (!review) {
      return new Change.Applied(save(name, source, origin, originRef, null, updatedBy));
    }
    DocumentParser.Format format = DocumentParser.Format.sniff(source);
    RolloutPolicy policy = validate(name, source, format);
    StoredPolicy row = StoredPolicy.findById(name);
    List<String> loosens =
        row == null ? PolicyChange.CREATION : PolicyChange.loosening(entry(row).policy(), policy);
    if (loosens.isEmpty()) {
      return new Change.Applied(save(name, source, origin, originRef, null, updatedBy));
    }
    supersedePending(name);
    PolicyRevision r = new PolicyRevision();
    r.policyName = name;
    r.baseRevision = row == null ? 0 : row.revision;
    r.source = source;
    r.format = format.name().toLowerCase();
    r.loosens = String.join("\n", loosens);
    r.status = PolicyRevision.Status.PENDING;
    r.proposedBy = updatedBy;
    r.proposedAt = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    r.persist();
    forgetOldRevisions(name);
    return new Change.Pending(revision(r));
  }

  /** The revisions proposed for {@code name}, newest first. */
  @Transactional
  public List<Revision> revisions(String name) {
    return PolicyRevision.<PolicyRevision>list("policyName", Sort.descending("id"), name).stream()
        .map(PolicyStore::revision)
        .toList();
  }

  @Transactional
  public Optional<Revision> revision(String name, long id) {
    return PolicyRevision.<PolicyRevision>findByIdOptional(id)
        .filter(r -> r.policyName.equals(name))
        .map(PolicyStore::revision);
  }

  /**
   * Applies pending revision {@code id} of {@code name}, approved by {@code approver}: only a
   * person other than its proposer, only while it is pending and the policy has not changed since
   * it was proposed, and only if it still keeps within the guardrails. Of concurrent approvals one
   * applies it; the others are refused.
   *
   * @throws RevisionRefused when it may not be approved
   * @throws DocumentException when it no longer keeps within the guardrails
   */
  @Transactional(rollbackOn = DocumentException.class)
  public Put approve(String name, long id, String approver) throws DocumentException {
    PolicyRevision r = decidable(name, id, approver);
    // checked before anything changes: guardrails tightened since the proposal refuse it here
    validate(name, r.source, DocumentParser.Format.sniff(r.source));
    StoredPolicy row = StoredPolicy.findById(name);
    long current = row == null ? 0 : row.revision;
    if (current != r.baseRevision) {
      throw new RevisionRefused(
          RevisionRefused.Why.STALE,
          "policy '"
              + name
              + "' changed since revision "
              + id
              + " was proposed (now at revision "
              + current
              + "); propose the change again");
    }
    decide(r, PolicyRevision.Status.APPLIED, approver);
    // a revision a Kubernetes resource proposed stays owned by that resource
    if (r.proposedBy.startsWith(KUBERNETES_ACTOR)) {
      return save(
          name,
          r.source,
          StoredPolicy.Origin.KUBERNETES,
          r.proposedBy.substring(KUBERNETES_ACTOR.length()),
          null,
          approver);
    }
    return save(name, r.source, StoredPolicy.Origin.API, null, null, approver);
  }

  /** Turns pending revision {@code id} down. */
  @Transactional
  public Revision reject(String name, long id, String approver) {
    PolicyRevision r = decidable(name, id, null);
    decide(r, PolicyRevision.Status.REJECTED, approver);
    return revision(r);
  }

  private PolicyRevision decidable(String name, long id, String approver) {
    PolicyRevision r = PolicyRevision.findById(id);
    if (r == null || !r.policyName.equals(name)) {
      throw new RevisionRefused(
          RevisionRefused.Why.NOT_FOUND, "no revision " + id + " of policy '" + name + "'");
    }
    if (r.status != PolicyRevision.Status.PENDING) {
      throw new RevisionRefused(
          RevisionRefused.Why.NOT_PENDING, "revision " + id + " is " + r.status + ", not PENDING");
    }
    if (approver != null && approver.equals(r.proposedBy)) {
      throw new RevisionRefused(
          RevisionRefused.Why.SAME_PERSON,
          "two-person rule: "
              + approver
              + " proposed revision "
              + id
              + "; another approver must approve it");
    }
    return r;
  }

  /** Moves a pending revision on, atomically: of concurrent callers exactly one succeeds. */
  private void decide(PolicyRevision r, PolicyRevision.Status to, String by) {
    int changed =
        PolicyRevision.update(
            "status = ?1, decidedBy = ?2, decidedAt = ?3 where id = ?4 and status = ?5",
            to,
            by,
            OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC),
            r.id,
            PolicyRevision.Status.PENDING);
    if (changed != 1) {
      throw new RevisionRefused(
          RevisionRefused.Why.NOT_PENDING, "revision " + r.id + " was decided meanwhile");
    }
    PolicyRevision.getEntityManager().refresh(r);
  }

  /**
   * Keeps the policy's newest {@code revisionsKept} revisions (the pending one among them): each
   * proposal stores a whole policy text, so an operator proposing again and again must not grow the
   * database without end. Decisions stay in the audit log.
   */
  private void forgetOldRevisions(String name) {
    List<Long> old =
        PolicyRevision.getEntityManager()
            .createQuery(
                "select r.id from PolicyRevision r where r.policyName = ?1 order by r.id desc",
                Long.class)
            .setParameter(1, name)
            .setFirstResult(revisionsKept)
            .getResultList();
    if (!old.isEmpty()) {
      PolicyRevision.delete("id in ?1 and status <> ?2", old, PolicyRevision.Status.PENDING);
    }
  }

  private void supersedePending(String name) {
    PolicyRevision.update(
        "status = ?1, decidedAt = ?2 where policyName = ?3 and status = ?4",
        PolicyRevision.Status.SUPERSEDED,
        OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC),
        name,
        PolicyRevision.Status.PENDING);
  }

  private static Revision revision(PolicyRevision r) {
    return new Revision(
        r.id,
        r.policyName,
        r.baseRevision,
        r.source,
        r.format,
        List.of(r.loosens.split("\n")),
        r.status,
        r.proposedBy,
        r.proposedAt,
        Optional.ofNullable(r.decidedBy),
        Optional.ofNullable(r.decidedAt));
  }

  @Transactional
  Put save(
      String name,
      String source,
      StoredPolicy.Origin origin,
      String originFile,
      String originSha256,
      String updatedBy)
      throws DocumentException {
    DocumentParser.Format format = DocumentParser.Format.sniff(source);
    RolloutPolicy policy = validate(name, source, format);
    StoredPolicy row = StoredPolicy.findById(name);
    if (row != null && !source.equals(row.source)) {
      // a pending proposal was made against the text this replaces
      supersedePending(name);
    }
    boolean created = row == null;
    if (created) {
      row = new StoredPolicy();
      row.name = name;
      row.revision = 0;
    }
    row.source = source;
    row.format = format.name().toLowerCase();
    row.origin = origin;
    if (origin == StoredPolicy.Origin.FILE) {
      // An API edit keeps these: the file is imported again only once it changes.
      row.originFile = originFile;
      row.originSha256 = originSha256;
    } else if (origin == StoredPolicy.Origin.KUBERNETES) {
      row.originFile = originFile;
      row.originSha256 = null;
    }
    row.revision++;
    row.updatedAt = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    row.updatedBy = updatedBy;
    if (created) {
      row.persist();
    }
    return new Put(entry(row, policy), created);
  }

  /**
   * Parses and validates {@code source}, within the guardrails and the check catalogue, as policy
   * {@code name}.
   */
  private RolloutPolicy validate(String name, String source, DocumentParser.Format format)
      throws DocumentException {
    Node root = DocumentParser.parse(source, format);
    RolloutPolicy policy = checked(root);
    if (!policy.name().equals(name)) {
      throw new DocumentException(
          new dev.patchwave.doc.Problem(
              "metadata.name",
              Guardrails.locate(root, "metadata.name"),
              "metadata.name '"
                  + policy.name()
                  + "' does not match the name '"
                  + name
                  + "' in the request"));
    }
    return policy;
  }

  /**
   * Reads {@code source} (YAML or JSON) as a PUT would, within the guardrails and the check
   * catalogue in force, and stores nothing: a policy to plan before it is written.
   *
   * @throws DocumentException with every problem, located
   */
  public RolloutPolicy read(String source) throws DocumentException {
    return checked(DocumentParser.parse(source, DocumentParser.Format.sniff(source)));
  }

  private RolloutPolicy checked(Node root) throws DocumentException {
    RolloutPolicy policy = PolicyReader.bind(root);
    List<dev.patchwave.doc.Problem> problems =
        new java.util.ArrayList<>(Guardrails.problems(guardrails.check(policy), root));
    problems.addAll(CheckCatalogue.problems(checks.check(policy), root));
    if (!problems.isEmpty()) {
      throw new DocumentException(problems);
    }
    return policy;
  }

  /** The stored row, if any, for a file import to compare against. */
  @Transactional
  Optional<StoredPolicy> row(String name) {
    return StoredPolicy.findByIdOptional(name);
  }

  @Transactional
  public boolean delete(String name) {
    return StoredPolicy.deleteById(name);
  }

  private static Entry entry(StoredPolicy row) {
    try {
      return entry(row, PolicyReader.read(row.source));
    } catch (DocumentException e) {
      // Only valid text is stored; a failure here means the language changed incompatibly.
      throw new IllegalStateException(
          "stored policy '" + row.name + "' no longer validates: " + e.getMessage(), e);
    }
  }

  private static Entry entry(StoredPolicy row, RolloutPolicy policy) {
    return new Entry(
        row.name,
        row.source,
        row.format,
        row.origin,
        row.origin == StoredPolicy.Origin.API ? null : row.originFile,
        row.revision,
        row.updatedAt,
        row.updatedBy,
        policy);
  }
}
