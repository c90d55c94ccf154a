package dev.patchwave.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.Immutable;

/** One audit record. Inserted, never updated or deleted (PostgreSQL refuses both). */
@Entity
@Immutable
@Table(name = "audit_log")
public class AuditRecord extends PanacheEntityBase {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(nullable = false)
  public OffsetDateTime at;

  @Column(nullable = false)
  public String actor;

  @Column(nullable = false, length = 64)
  public String action;

  @Column(nullable = false, length = 500)
  public String target;

  @Column(nullable = false, length = 16)
  public String outcome;

  public Integer status;

  @Column(nullable = false, length = 2000)
  public String detail;
}
