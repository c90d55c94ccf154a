package dev.patchwave.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.testing.PostgresProfile;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

/** On PostgreSQL the database itself keeps the audit log append-only. */
@QuarkusTest
@TestProfile(PostgresProfile.class)
class AuditLogPostgresTest {

  @Inject AuditLog audit;
  @Inject EntityManager em;

  @Test
  void rowsCanBeAddedButNeverChangedOrDeleted() {
    AuditRecord r =
        audit.record(
            "alice", "rollout.start", "/api/v1/rollouts", AuditLog.Outcome.SUCCESS, 201, "");
    for (String sql :
        new String[] {
          "UPDATE audit_log SET actor = 'mallory' WHERE id = " + r.id,
          "DELETE FROM audit_log WHERE id = " + r.id
        }) {
      assertThatThrownBy(
              () ->
                  QuarkusTransaction.requiringNew()
                      .run(() -> em.createNativeQuery(sql).executeUpdate()))
          .hasStackTraceContaining("audit_log is append-only");
    }
    String actor =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    (String)
                        em.createNativeQuery("SELECT actor FROM audit_log WHERE id = " + r.id)
                            .getSingleResult());
    assertThat(actor).isEqualTo("alice");
  }
}
