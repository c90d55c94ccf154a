package dev.patchwave.notify;

import dev.patchwave.engine.FleetListener;
import dev.patchwave.engine.RolloutListener;
import dev.patchwave.inventory.FleetEvent;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.RolloutPhase;
import dev.patchwave.rollout.RolloutState;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Turns rollout transitions into notifications and hands them to the webhooks. */
@ApplicationScoped
public class Notifier
    implements RolloutListener, FleetListener, dev.patchwave.engine.IsolationListener {

  private final Webhooks webhooks;
  private final Clock clock;

  public Notifier(Webhooks webhooks, Clock clock) {
    this.webhooks = webhooks;
    this.clock = clock;
  }

  @Override
  public void created(RolloutState s) {
    webhooks.send(notification("started", s, Optional.empty(), List.of()));
  }

  @Override
  public void saved(RolloutState before, Decision d) {
    RolloutState after = d.state();
    if (before.phase() == after.phase()) {
      return;
    }
    if (after.phase() == RolloutPhase.AWAITING_APPROVAL) {
      webhooks.send(notification("awaiting-approval", after, Optional.of(after.wave()), List.of()));
    } else if (after.phase() == RolloutPhase.HALTED) {
      List<String> quarantined =
          d.actions().stream()
              .filter(Action.Quarantine.class::isInstance)
              .map(Action.Quarantine.class::cast)
              .flatMap(q -> q.versions().stream())
              .map(v -> v.name() + "=" + v.version())
              .distinct()
              .toList();
      webhooks.send(notification("halted", after, Optional.of(after.wave()), quarantined));
    } else if (after.phase() == RolloutPhase.PAUSED) {
      // every pause reaches people: a person's, an inconclusive check, a failed freeze, a wave
      // blocked behind a failed host
      webhooks.send(notification("paused", after, Optional.of(after.wave()), List.of()));
    } else if (after.phase() == RolloutPhase.ABORTED) {
      webhooks.send(notification("aborted", after, Optional.of(after.wave()), List.of()));
    } else if (after.phase() == RolloutPhase.COMPLETED) {
      webhooks.send(notification("completed", after, Optional.empty(), List.of()));
    } else if (after.phase() == RolloutPhase.COMPLETED_WITH_SKIPS) {
      webhooks.send(notification("completed-with-skips", after, Optional.empty(), List.of()));
    }
  }

  private Notification notification(
      String event, RolloutState s, Optional<Integer> wave, List<String> quarantined) {
    List<Notification.FailedHost> failed =
        event.equals("halted")
            ? s.hosts().values().stream()
                .filter(h -> h.phase() == HostPhase.FAILED)
                .map(Notifier::failed)
                .toList()
            : List.of();
    return new Notification(
        event,
        s.id(),
        null,
        s.policy().name(),
        s.phase().name(),
        s.reason().name(),
        s.detail(),
        wave.orElse(null),
        wave.map(i -> s.waves().get(i).name()).orElse(null),
        clock.instant(),
        failed,
        quarantined);
  }

  /** Drift, an overdue update, a refused schedule and an adopted host reach people. */
  @Override
  public void event(FleetEvent e) {
    String event =
        switch (e.kind()) {
          case DRIFT_INSTALLED, DRIFT_PIN_FILE, DRIFT_SELF_UPDATING -> "drift";
          case UPDATE_OVERDUE -> "update-overdue";
          case SCHEDULE_REFUSED -> "schedule-refused";
          case ADOPTED -> "adopted";
          default -> null;
        };
    if (event == null) {
      return;
    }
    webhooks.send(
        new Notification(
            event,
            e.rollout().orElse(null),
            e.host().orElse(null),
            e.policy().orElse(null),
            null,
            e.kind().name(),
            e.detail(),
            null,
            null,
            e.at(),
            List.of(),
            List.of()));
  }

  /** A culprit isolation ended: what it found, and what stays quarantined. */
  @Override
  public void ended(
      long isolation,
      long incident,
      String policy,
      String host,
      String phase,
      String detail,
      List<String> kept) {
    webhooks.send(
        new Notification(
            "isolation-ended",
            null,
            host,
            policy,
            phase,
            "ISOLATION_" + phase,
            "isolation " + isolation + " of incident " + incident + ": " + phase + ": " + detail,
            null,
            null,
            clock.instant(),
            List.of(),
            kept));
  }

  private static Notification.FailedHost failed(HostState h) {
    String output = h.detail();
    if (output.length() > 2000) {
      output = output.substring(0, 2000) + "...";
    }
    return new Notification.FailedHost(h.name(), h.reason().text, output);
  }
}
