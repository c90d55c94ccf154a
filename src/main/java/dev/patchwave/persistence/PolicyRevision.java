package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A proposed change to a policy that loosens safety, waiting for a second person. */
@Entity
@Table(name = "policy_revision")
public class PolicyRevision extends PanacheEntityBase {

  public enum Status {
    /** Waiting for an approver who is not the proposer. */
    PENDING,
    /** Approved and applied to the policy. */
    APPLIED,
    /** Turned down by an approver. */
    REJECTED,
    /** A newer proposal, or a change to the policy, replaced it before anyone approved it. */
    SUPERSEDED
  }

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "policy_name", nullable = false, length = 63)
  public String policyName;

  /** The policy's revision the proposal was made against (0: the policy did not exist). */
  @Column(name = "base_revision", nullable = false)
  public long baseRevision;

  @JdbcTypeCode(SqlTypes.LONG32VARCHAR)
  @Column(nullable = false)
  public String source;

  @Column(nullable = false, length = 8)
  public String format;

  /** How the change loosens the policy, one line each. */
  @Column(nullable = false, length = 8000)
  public String loosens;

  @Enumerated(EnumType.STRING)
  @Column(nullable = false, length = 16)
  public Status status;

  @Column(name = "proposed_by", nullable = false)
  public String proposedBy;

  @Column(name = "proposed_at", nullable = false)
  public OffsetDateTime proposedAt;

  @Column(name = "decided_by")
  public String decidedBy;

  @Column(name = "decided_at")
  public OffsetDateTime decidedAt;
}
