package dev.patchwave.engine;

import dev.patchwave.host.PowerControl;
import dev.patchwave.inventory.Host;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.RolloutState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Power cycles of hosts that did not come back (ADR 18), with their guards: only a host that the
 * rollout asking for it claims and has {@code BOOTING}; at most {@code maxPerHour} power cycles
 * across the fleet in any hour (counted from the audit log, so every replica and restart sees the
 * same count); each one audited ({@code host.power-cycle}) whether the BMC took it or not.
 */
public final class PowerCycles {

  /** How many power cycles were done since a moment (the audit log's record). */
  @FunctionalInterface
  public interface Ledger {
    long doneSince(Instant since);
  }

  /** No power control: every host says so. */
  public static final PowerCycles NONE =
      new PowerCycles(
          PowerControl.NONE,
          hosts -> Map.of(),
          since -> 0,
          0,
          (a, h, ok, d) -> {},
          Clock.systemUTC());

  private final PowerControl power;
  private final Function<Collection<String>, Map<String, Long>> owners;
  private final Ledger ledger;
  private final int maxPerHour;
  private final HostSteps.ActionLog actions;
  private final Clock clock;

  public PowerCycles(
      PowerControl power,
      Function<Collection<String>, Map<String, Long>> owners,
      Ledger ledger,
      int maxPerHour,
      HostSteps.ActionLog actions,
      Clock clock) {
    this.power = power;
    this.owners = owners;
    this.ledger = ledger;
    this.maxPerHour = maxPerHour;
    this.actions = actions;
    this.clock = clock;
  }

  /** Power-cycles {@code host} for {@code rollout}, or says why not. One at a time. */
  synchronized Observation cycle(RolloutState rollout, Host host, BooleanSupplier mayAct) {
    String name = host.name();
    HostState h = rollout.host(name);
    if (h == null || h.phase() != HostPhase.BOOTING) {
      return refused(rollout, name, "the host is not rebooting in this rollout", false);
    }
    Long owner = owners.apply(List.of(name)).get(name);
    if (owner == null || owner != rollout.id()) {
      return refused(
          rollout,
          name,
          "the host is claimed by " + (owner == null ? "no rollout" : "rollout " + owner),
          true);
    }
    long recent = ledger.doneSince(clock.instant().minus(Duration.ofHours(1)));
    if (recent >= maxPerHour) {
      return refused(
          rollout,
          name,
          recent
              + " power cycles in the last hour, the most allowed"
              + " (patchwave.power.max-per-hour="
              + maxPerHour
              + ")",
          maxPerHour > 0);
    }
    if (!mayAct.getAsBoolean()) {
      throw new HostSteps.Abandoned(name);
    }
    PowerControl.Outcome o = power.forceRestart(host);
    if (o.done() || host.bmc().isPresent()) {
      actions.record(
          "host.power-cycle", name, o.done(), "rollout " + rollout.id() + ": " + o.detail());
    }
    return new Observation.PowerCycled(name, o.done(), o.detail());
  }

  private Observation refused(RolloutState rollout, String name, String why, boolean audit) {
    if (audit) {
      actions.record(
          "host.power-cycle", name, false, "rollout " + rollout.id() + ": refused: " + why);
    }
    return new Observation.PowerCycled(name, false, why);
  }
}
