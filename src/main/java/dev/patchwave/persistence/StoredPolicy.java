package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A policy as its author wrote it; the parsed form is derived from {@link #source}. */
@Entity
@Table(name = "policy")
public class StoredPolicy extends PanacheEntityBase {

  public enum Origin {
    /** Imported from {@code patchwave.policies.dir}. */
    FILE,
    /** Written through the API. */
    API,
    /**
     * A {@code RolloutPolicy} resource in Kubernetes ({@code origin_file} holds its {@code
     * namespace/name}); only that resource changes it.
     */
    KUBERNETES
  }

  @Id
  @Column(length = 63)
  public String name;

  @Column(nullable = false, length = 1_048_576)
  public String source;

  /** {@code yaml} or {@code json}. */
  @Column(nullable = false, length = 8)
  public String format;

  @Enumerated(EnumType.STRING)
  @Column(nullable = false, length = 16)
  public Origin origin;

  @Column(name = "origin_file", length = 1024)
  public String originFile;

  /** SHA-256 of the file content last imported, so an unchanged file never overwrites an edit. */
  @Column(name = "origin_sha256", length = 64)
  public String originSha256;

  /** Increases by one on every change. */
  @Column(nullable = false)
  public long revision;

  @Column(name = "updated_at", nullable = false)
  public OffsetDateTime updatedAt;

  @Column(name = "updated_by", nullable = false)
  public String updatedBy;
}
