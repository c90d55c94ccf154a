package dev.patchwave.persistence;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.DocumentParser;
import dev.patchwave.doc.Node;
import dev.patchwave.policy.Guardrails;
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

  private final Clock clock;
  private final Guardrails guardrails;

  public PolicyStore(Clock clock, Guardrails guardrails) {
    this.clock = clock;
    this.guardrails = guardrails;
  }

  /** A stored policy together with its parsed form. */
  public record Entry(
      String name,
      String source,
      String format,
      StoredPolicy.Origin origin,
      long revision,
      OffsetDateTime updatedAt,
      String updatedBy,
      RolloutPolicy policy) {}

  /** Result of a {@link #put}: the entry and whether it was new. */
  public record Put(Entry entry, boolean created) {}

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
  @Transactional
  public Put put(String name, String source, String updatedBy) throws DocumentException {
    return save(name, source, StoredPolicy.Origin.API, null, null, updatedBy);
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
    Node root = DocumentParser.parse(source, format);
    RolloutPolicy policy = PolicyReader.bind(root);
    List<Guardrails.Violation> broken = guardrails.check(policy);
    if (!broken.isEmpty()) {
      throw new DocumentException(Guardrails.problems(broken, root));
    }
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
    StoredPolicy row = StoredPolicy.findById(name);
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
    }
    row.revision++;
    row.updatedAt = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    row.updatedBy = updatedBy;
    if (created) {
      row.persist();
    }
    return new Put(entry(row, policy), created);
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
        row.revision,
        row.updatedAt,
        row.updatedBy,
        policy);
  }
}
