package dev.patchwave.persistence;

import dev.patchwave.patch.PackageVersion;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Culprit isolations and their proofs (ADR 20). The database decides who may start one: at most one
 * runs per incident and per host (unique indexes), and a proof's verdict, the release of its
 * innocent versions and the isolation's end are written in one transaction.
 */
@ApplicationScoped
public class IsolationStore {

  public static final String RUNNING = "RUNNING";

  /** An isolation of the incident, or one on the host, runs already; nothing was written. */
  public static final class Taken extends RuntimeException {
    Taken(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Clock clock;

  public IsolationStore(Clock clock) {
    this.clock = clock;
  }

  /** {@code name=version name=version}, as the step rows keep them. */
  public static String text(List<PackageVersion> versions) {
    return String.join(" ", versions.stream().map(PackageVersion::pinned).toList());
  }

  /** The versions of {@link #text}. */
  public static List<PackageVersion> versions(String text) {
    return Arrays.stream(text.trim().split(" +"))
        .filter(w -> !w.isEmpty())
        .map(
            w -> {
              int eq = w.indexOf('=');
              return new PackageVersion(w.substring(0, eq), w.substring(eq + 1));
            })
        .toList();
  }

  /**
   * A running isolation of incident {@code incidentId} on {@code host}.
   *
   * @throws Taken if one runs already for the incident or on the host
   */
  @Transactional
  public IsolationRecord begin(long incidentId, String host, String strategy, String actor) {
    IsolationRecord r = new IsolationRecord();
    r.incidentId = incidentId;
    r.host = host;
    r.strategy = strategy;
    r.phase = RUNNING;
    r.detail = "";
    r.startedBy = actor;
    r.startedAt = RolloutStore.odt(clock.instant());
    r.runningIncident = incidentId;
    r.runningHost = host;
    try {
      r.persist();
      r.flush();
    } catch (jakarta.persistence.PersistenceException e) {
      if (RolloutStore.isConflict(e)) {
        throw new Taken("an isolation of the incident, or one on " + host + ", runs already", e);
      }
      throw e;
    }
    return r;
  }

  @Transactional
  public Optional<IsolationRecord> get(long id) {
    return IsolationRecord.findByIdOptional(id);
  }

  /** The running isolations' ids. */
  @Transactional
  public List<Long> running() {
    return IsolationRecord.<IsolationRecord>list("phase", Sort.ascending("id"), RUNNING).stream()
        .map(r -> r.id)
        .toList();
  }

  /** The hosts running isolations prove on. */
  @Transactional
  public List<String> busyHosts() {
    return IsolationRecord.<IsolationRecord>list("phase", RUNNING).stream()
        .map(r -> r.host)
        .toList();
  }

  /** An incident's isolations, newest first. */
  @Transactional
  public List<IsolationRecord> ofIncident(long incidentId) {
    return IsolationRecord.list("incidentId", Sort.descending("id"), incidentId);
  }

  /** An isolation's proofs, first first. */
  @Transactional
  public List<IsolationStepRecord> steps(long isolationId) {
    return IsolationStepRecord.list("isolationId", Sort.ascending("ordinal"), isolationId);
  }

  /** The proof under way, if one is. */
  @Transactional
  public Optional<IsolationStepRecord> current(long isolationId) {
    return IsolationStepRecord.<IsolationStepRecord>find(
            "isolationId = ?1 and outcome is null", isolationId)
        .firstResultOptional();
  }

  /**
   * A new proof of {@code versions}, if the isolation still runs; its rollout is recorded by {@link
   * #proving}. Holds the isolation's row lock, as {@link #finish} and {@link #conclude} do: an
   * abort and the next proof never interleave, on one controller or two.
   */
  @Transactional
  public Optional<IsolationStepRecord> addStep(long isolationId, List<PackageVersion> versions) {
    if (!RUNNING.equals(locked(isolationId).phase)) {
      return Optional.empty();
    }
    IsolationStepRecord s = new IsolationStepRecord();
    s.isolationId = isolationId;
    s.ordinal = (int) IsolationStepRecord.count("isolationId", isolationId);
    s.versions = text(versions);
    s.detail = "";
    s.startedAt = RolloutStore.odt(clock.instant());
    s.persist();
    return Optional.of(s);
  }

  /**
   * Proof {@code stepId} runs as rollout {@code rolloutId}; false (nothing written) if the proof
   * has an outcome already (its isolation was aborted meanwhile): the rollout is not wanted.
   */
  @Transactional
  public boolean proving(long stepId, long rolloutId) {
    IsolationStepRecord s = IsolationStepRecord.findById(stepId);
    locked(s.isolationId);
    IsolationStepRecord.getEntityManager().refresh(s);
    if (s.outcome != null) {
      return false;
    }
    s.rolloutId = rolloutId;
    return true;
  }

  private static IsolationRecord locked(long isolationId) {
    IsolationRecord i =
        IsolationRecord.findById(isolationId, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
    if (i == null) {
      throw new IllegalArgumentException("no isolation " + isolationId);
    }
    return i;
  }

  /**
   * Records a proof's outcome and applies it, in one transaction: marks {@code versions} with
   * {@code verdict} (releasing them if {@code release}; a guilty verdict makes them the only
   * implicated suspects), and ends the isolation with {@code endPhase} if given. Does nothing if
   * the proof has an outcome already (another thread was first).
   *
   * @return whether this call recorded the outcome
   */
  @Transactional
  public boolean conclude(
      long stepId,
      String outcome,
      String detail,
      List<PackageVersion> versions,
      Optional<String> verdict,
      boolean release,
      String actor,
      Optional<String> endPhase,
      String endDetail) {
    IsolationStepRecord s = IsolationStepRecord.findById(stepId);
    if (s == null) {
      return false;
    }
    locked(s.isolationId);
    IsolationStepRecord.getEntityManager().refresh(s);
    if (s.outcome != null) {
      return false;
    }
    s.outcome = outcome;
    s.detail = clip(detail);
    s.finishedAt = RolloutStore.odt(clock.instant());
    IsolationRecord i = IsolationRecord.findById(s.isolationId);
    if (verdict.isPresent() && !verdict.get().equals(QuarantineStore.INNOCENT)) {
      // guilty: the culprit is in this group, so it alone is implicated now; the suspects
      // implicated before and not in it are suspects like the others again
      QuarantineRecord.<QuarantineRecord>list(
              "incidentId = ?1 and verdict = ?2 and releasedAt is null",
              i.incidentId,
              QuarantineStore.IMPLICATED)
          .stream()
          .filter(r -> !versions.contains(new PackageVersion(r.packageName, r.version)))
          .forEach(r -> r.verdict = QuarantineStore.SUSPECT);
    }
    if (verdict.isPresent()) {
      for (PackageVersion v : versions) {
        QuarantineRecord.<QuarantineRecord>find(
                "incidentId = ?1 and packageName = ?2 and version = ?3 and releasedAt is null",
                i.incidentId,
                v.name(),
                v.version())
            .firstResultOptional()
            .ifPresent(
                r -> {
                  r.verdict = verdict.get();
                  if (release) {
                    r.releasedAt = RolloutStore.odt(clock.instant());
                    r.releasedBy = actor;
                  }
                });
      }
    }
    endPhase.ifPresent(p -> end(i, p, endDetail));
    return true;
  }

  /** Ends a running isolation; false if it had ended. */
  @Transactional
  public boolean finish(long isolationId, String phase, String detail) {
    IsolationRecord i = IsolationRecord.findById(isolationId);
    if (i == null) {
      return false;
    }
    i = locked(isolationId);
    IsolationRecord.getEntityManager().refresh(i);
    if (!RUNNING.equals(i.phase)) {
      return false;
    }
    end(i, phase, detail);
    return true;
  }

  private void end(IsolationRecord i, String phase, String detail) {
    i.phase = phase;
    i.detail = clip(detail);
    i.finishedAt = RolloutStore.odt(clock.instant());
    i.runningIncident = null;
    i.runningHost = null;
  }

  private static String clip(String s) {
    return s.length() > 4000 ? s.substring(0, 3997) + "..." : s;
  }
}
