package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** Which controller instance may act on a rollout, and the fencing token of its tenure. */
@Entity
@Table(name = "rollout_lease")
public class RolloutLease extends PanacheEntityBase {

  @Id
  @Column(name = "rollout_id")
  public Long rolloutId;

  @Column(nullable = false)
  public String holder;

  /** Grows by one whenever another instance takes the lease over. */
  @Column(nullable = false)
  public long token;

  @Column(name = "expires_at", nullable = false)
  public OffsetDateTime expiresAt;
}
