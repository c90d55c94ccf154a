package dev.patchwave.simulate;

import dev.patchwave.inventory.Host;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * How the usual tools would roll the same version out, modelled from their documented defaults, on
 * the same hosts and the same faults. Each answers a {@link Timeline}.
 *
 * <ul>
 *   <li>unattended-upgrades: {@code apt-daily-upgrade.timer} at 06:00 with up to 60 minutes of
 *       random delay installs on every host; {@code Automatic-Reboot "true"} reboots right after
 *       (the setting that makes a new kernel take effect). Nothing stops it.
 *   <li>kured: every host installs as above; kured reboots one node at a time (a lock), each node
 *       checking every {@code --period} (1h), and releases the lock when the rebooted node is back.
 *       A node that never comes back keeps the lock: reboots stop. A node that died or lost its
 *       network before its turn never takes the lock. It looks at no health check.
 *   <li>Ansible {@code serial: [1, 5, "20%"]}, {@code max_fail_percentage: 0}, no pause: each batch
 *       installs, reboots ({@code reboot} module, {@code reboot_timeout} 600s) and checks the
 *       service; a failure in a batch ends the play after it. Hosts in inventory order; no soak, so
 *       a failure that comes later is not seen.
 *   <li>AWS SSM Run Command rate control ({@code AWS-RunPatchBaseline}, {@code RebootIfNeeded}):
 *       {@code MaxConcurrency} 50, {@code MaxErrors} 0: a host that never reports back fails its
 *       invocation at the execution timeout (1h); after the first error no new host starts, the
 *       ones under way finish. It looks at no health check.
 * </ul>
 */
final class Baselines {

  private Baselines() {}

  enum Strategy {
    UNATTENDED_UPGRADES("unattended-upgrades"),
    KURED("kured"),
    ANSIBLE_SERIAL("Ansible serial"),
    SSM_RATE_CONTROL("SSM rate control");

    final String label;

    Strategy(String label) {
      this.label = label;
    }
  }

  static Timeline run(
      Strategy s,
      List<Host> hosts,
      Scenario scenario,
      Map<String, Scenario.Fault> fates,
      Random r) {
    return switch (s) {
      case UNATTENDED_UPGRADES -> unattended(hosts, scenario, fates, r);
      case KURED -> kured(hosts, scenario, fates, r);
      case ANSIBLE_SERIAL -> ansible(hosts, scenario, fates);
      case SSM_RATE_CONTROL -> ssm(hosts, scenario, fates);
    };
  }

  /** The next 06:00 (UTC) at or after {@code t}. */
  private static Instant nextSixAm(Instant t) {
    Instant six = t.atOffset(ZoneOffset.UTC).with(LocalTime.of(6, 0)).toInstant();
    return six.isBefore(t) ? six.plus(Duration.ofDays(1)) : six;
  }

  private static Timeline unattended(
      List<Host> hosts, Scenario scenario, Map<String, Scenario.Fault> fates, Random r) {
    Timeline t = new Timeline();
    Instant six = nextSixAm(scenario.start());
    Instant last = six;
    for (Host h : hosts) {
      Instant install = six.plusSeconds(r.nextInt(3600));
      Instant rebootAt = install.plus(scenario.timing().install());
      host(t, h.name(), install, rebootAt, scenario, fates.get(h.name()));
      // done with the host once it rebooted (whether or not it comes back)
      last = later(last, rebootAt);
    }
    t.finished(last);
    return t;
  }

  private static Timeline kured(
      List<Host> hosts, Scenario scenario, Map<String, Scenario.Fault> fates, Random r) {
    Timeline t = new Timeline();
    Instant six = nextSixAm(scenario.start());
    List<Instant> installs = new ArrayList<>();
    for (int i = 0; i < hosts.size(); i++) {
      installs.add(six.plusSeconds(r.nextInt(3600)));
    }
    Duration period = Duration.ofHours(1);
    Instant lockFree = six;
    Scenario.Timing timing = scenario.timing();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < hosts.size(); i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, r);
    int left = hosts.size();
    for (int i : order) {
      Host h = hosts.get(i);
      Scenario.Fault f = fates.get(h.name());
      if (f != null
          && (f.effect() == Scenario.Effect.PANIC_ON_INSTALL
              || f.effect() == Scenario.Effect.NETWORK_LOST)) {
        // dead or cut off before its turn: it never takes the lock
        host(t, h.name(), installs.get(i), null, scenario, f);
        left--;
        continue;
      }
      Instant ready = installs.get(i).plus(timing.install());
      // some node's hourly check finds the lock free: on average period / nodes waiting
      Instant rebootAt =
          later(ready, lockFree)
              .plusMillis((long) (r.nextDouble() * 2 * period.toMillis() / Math.max(1, left)));
      left--;
      Instant back = host(t, h.name(), installs.get(i), rebootAt, scenario, fates.get(h.name()));
      if (back.equals(Instant.MAX)) {
        // the node holds the lock and never releases it: the rest install, and are not rebooted
        t.stopped(rebootAt);
        for (int j : order.subList(order.indexOf(i) + 1, order.size())) {
          host(
              t,
              hosts.get(j).name(),
              installs.get(j),
              null,
              scenario,
              fates.get(hosts.get(j).name()));
        }
        return t;
      }
      lockFree = rebootAt.plus(timing.boot());
    }
    t.finished(lockFree);
    return t;
  }

  private static Timeline ansible(
      List<Host> hosts, Scenario scenario, Map<String, Scenario.Fault> fates) {
    Timeline t = new Timeline();
    Scenario.Timing timing = scenario.timing();
    int twenty = (int) Math.ceil(hosts.size() * 0.2);
    Instant now = scenario.start();
    int i = 0;
    int batch = 0;
    while (i < hosts.size()) {
      int size = batch == 0 ? 1 : batch == 1 ? 5 : twenty;
      batch++;
      List<Host> these = hosts.subList(i, Math.min(hosts.size(), i + size));
      i += these.size();
      Instant rebootAt = now.plus(timing.install());
      Instant end = rebootAt.plus(timing.boot()).plusSeconds(30);
      boolean failed = false;
      for (Host h : these) {
        Scenario.Fault f = fates.get(h.name());
        host(t, h.name(), now, rebootAt, scenario, f);
        if (f != null) {
          switch (f.effect()) {
            case PANIC_ON_INSTALL, NETWORK_LOST -> {
              failed = true;
              end = later(end, rebootAt.plusSeconds(600));
            }
            case PANIC_ON_REBOOT -> {
              failed = true;
              end = later(end, rebootAt.plusSeconds(600));
            }
            case UNHEALTHY_AFTER_REBOOT -> failed = true;
            case FAIL_AFTER -> {
              // no pause between batches: a later failure is not seen
            }
          }
        }
      }
      now = end;
      if (failed) {
        t.stopped(now);
        return t;
      }
    }
    t.finished(now);
    return t;
  }

  private static Timeline ssm(
      List<Host> hosts, Scenario scenario, Map<String, Scenario.Fault> fates) {
    Timeline t = new Timeline();
    Scenario.Timing timing = scenario.timing();
    Duration timeout = Duration.ofHours(1);
    java.util.PriorityQueue<Instant> slots = new java.util.PriorityQueue<>();
    for (int i = 0; i < 50; i++) {
      slots.add(scenario.start());
    }
    Instant firstError = Instant.MAX;
    Instant last = scenario.start();
    for (Host h : hosts) {
      Instant start = slots.poll();
      if (!start.isBefore(firstError)) {
        t.stopped(firstError);
        return t;
      }
      Scenario.Fault f = fates.get(h.name());
      Instant rebootAt = start.plus(timing.install());
      host(t, h.name(), start, rebootAt, scenario, f);
      Instant done = rebootAt.plus(timing.boot()).plusSeconds(30);
      if (f != null
          && (f.effect() == Scenario.Effect.PANIC_ON_INSTALL
              || f.effect() == Scenario.Effect.NETWORK_LOST
              || f.effect() == Scenario.Effect.PANIC_ON_REBOOT)) {
        done = start.plus(timeout);
        firstError = firstError.isBefore(done) ? firstError : done;
      }
      slots.add(done);
      last = later(last, done);
    }
    if (firstError.equals(Instant.MAX)) {
      t.finished(last);
    } else {
      t.stopped(firstError);
    }
    return t;
  }

  /**
   * Puts one host's install (at {@code install}) and reboot (at {@code rebootAt}, or none) on the
   * timeline with what its fault does; returns when it is back (MAX: never).
   */
  static Instant host(
      Timeline t,
      String name,
      Instant install,
      Instant rebootAt,
      Scenario scenario,
      Scenario.Fault f) {
    Scenario.Timing timing = scenario.timing();
    t.received(name, install);
    Scenario.Effect e = f == null ? null : f.effect();
    if (e == Scenario.Effect.PANIC_ON_INSTALL) {
      t.down(name, install.plus(timing.install().dividedBy(2)), Instant.MAX);
      return Instant.MAX;
    }
    if (e == Scenario.Effect.NETWORK_LOST) {
      t.down(name, install.plus(timing.install()), Instant.MAX);
      return Instant.MAX;
    }
    if (e == Scenario.Effect.FAIL_AFTER) {
      t.down(name, install.plus(f.after()), Instant.MAX);
    }
    if (rebootAt == null) {
      return install.plus(timing.install());
    }
    if (e == Scenario.Effect.PANIC_ON_REBOOT) {
      t.down(name, rebootAt, Instant.MAX);
      return Instant.MAX;
    }
    Instant back = rebootAt.plus(timing.boot());
    t.down(name, rebootAt, e == Scenario.Effect.UNHEALTHY_AFTER_REBOOT ? Instant.MAX : back);
    return back;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
