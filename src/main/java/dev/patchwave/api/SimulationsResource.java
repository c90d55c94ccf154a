package dev.patchwave.api;

import dev.patchwave.doc.Binder;
import dev.patchwave.doc.DocumentException;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.persistence.PolicyStore;
import dev.patchwave.policy.Names;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.security.Roles;
import dev.patchwave.simulate.Scenario;
import dev.patchwave.simulate.WhatIf;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/v1/simulations}: what a policy would do with a bad version on the inventory, next to
 * the usual tools (ADR 19). The controller's own planner and state machine run on a virtual clock
 * against simulated hosts; nothing touches a host and nothing is stored. One simulation at a time.
 */
@Path("/api/v1/simulations")
@Tag(name = "simulations")
public class SimulationsResource {

  static final int MAX_RUNS = 50;

  /** Hosts times runs: about 10 s of work on two cores. */
  static final long MAX_HOST_RUNS = 500_000;

  static final Map<String, Scenario.Effect> EFFECTS =
      Map.of(
          "panicOnInstall", Scenario.Effect.PANIC_ON_INSTALL,
          "panicOnReboot", Scenario.Effect.PANIC_ON_REBOOT,
          "unhealthyAfterReboot", Scenario.Effect.UNHEALTHY_AFTER_REBOOT,
          "failAfter", Scenario.Effect.FAIL_AFTER,
          "networkLost", Scenario.Effect.NETWORK_LOST);

  private final PolicyStore policies;
  private final HostSource inventory;
  private final Semaphore one = new Semaphore(1);

  public SimulationsResource(PolicyStore policies, HostSource inventory) {
    this.policies = policies;
    this.inventory = inventory;
  }

  /** One fault of the scenario: {@code effect} on the hosts whose labels include {@code hosts}. */
  @dev.patchwave.doc.StrictJson
  public record FaultBody(
      String effect, Map<String, String> hosts, Double probability, String after) {}

  /** What goes wrong, how long things take, when it starts (defaults: see docs/api.md). */
  @dev.patchwave.doc.StrictJson
  public record ScenarioBody(
      String name,
      List<FaultBody> faults,
      String install,
      String boot,
      String approval,
      String horizon,
      String start) {}

  /** {@code policy} (a stored policy's name) or {@code policyText} (YAML or JSON), not both. */
  @dev.patchwave.doc.StrictJson
  public record Request(
      String policy,
      String policyText,
      ScenarioBody scenario,
      Integer runs,
      Long seed,
      Boolean baselines,
      Boolean chart) {}

  /** One strategy's figures; durations in seconds (null: it never stopped / never finished). */
  public record RowView(
      String strategy,
      double receivedMean,
      int receivedMax,
      int maxGroupDown,
      double downForGoodMean,
      int stoppedRuns,
      Long medianStopSeconds,
      Long medianFinishSeconds,
      int runs) {
    static RowView of(WhatIf.Row r) {
      return new RowView(
          r.strategy(),
          r.receivedMean(),
          r.receivedMax(),
          r.maxGroupDown(),
          r.downForGoodMean(),
          r.stoppedRuns(),
          r.medianStop().map(Duration::toSeconds).orElse(null),
          r.medianFinish().map(Duration::toSeconds).orElse(null),
          r.runs());
    }
  }

  public record Answer(
      String scenario,
      String policy,
      int hosts,
      int runs,
      long seed,
      long decisions,
      List<RowView> rows,
      String table,
      String chart) {}

  @RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "What a policy would do with a bad version, next to the usual tools",
      description =
          "Runs the policy (stored, or given as text) on the inventory's simulated twins with the"
              + " scenario's faults, with the controller's planner and state machine on a virtual"
              + " clock, and (baselines, default true) unattended-upgrades, kured, Ansible serial"
              + " and SSM rate control on the same hosts and faults. Nothing touches a host or is"
              + " stored. 400 names the field that is wrong; 429 while another simulation runs.")
  public Response simulate(Request body) throws DocumentException {
    if (body == null) {
      throw new BadRequestException("the request body must hold a simulation request (JSON)");
    }
    RolloutPolicy policy = policy(body);
    Scenario scenario = scenario(body.scenario());
    int runs = body.runs() == null ? 10 : body.runs();
    if (runs < 1 || runs > MAX_RUNS) {
      throw new BadRequestException("runs: expected 1 to " + MAX_RUNS + ", found " + runs);
    }
    long seed = body.seed() == null ? 1 : body.seed();
    if (!one.tryAcquire()) {
      return ProblemDetail.response(
          ProblemDetail.Type.SIMULATION_BUSY, "another simulation is running; try again shortly");
    }
    try {
      var hosts = inventory.hosts();
      long selected =
          hosts.stream().filter(h -> policy.spec().selector().matches(h.labels())).count();
      if (selected * runs > MAX_HOST_RUNS) {
        throw new BadRequestException(
            "runs: "
                + runs
                + " runs of "
                + selected
                + " hosts is more than "
                + MAX_HOST_RUNS
                + " host-runs; lower runs");
      }
      WhatIf.Result r =
          WhatIf.run(policy, hosts, scenario, runs, seed, !Boolean.FALSE.equals(body.baselines()));
      return Response.ok(
              new Answer(
                  scenario.name(),
                  policy.name(),
                  (int) selected,
                  runs,
                  seed,
                  r.decisions(),
                  r.rows().stream().map(RowView::of).toList(),
                  WhatIf.table(List.of(r)),
                  Boolean.TRUE.equals(body.chart())
                      ? WhatIf.svg(r, min(scenario.horizon(), Duration.ofDays(2)))
                      : null))
          .build();
    } finally {
      one.release();
    }
  }

  private RolloutPolicy policy(Request body) throws DocumentException {
    if ((body.policy() == null) == (body.policyText() == null)) {
      throw new BadRequestException(
          "policy: give exactly one of policy (a stored policy's name) and policyText");
    }
    if (body.policy() != null) {
      if (!Names.OBJECT_NAME.matcher(body.policy()).matches()) {
        throw new BadRequestException(
            "policy: not a policy name: " + Binder.abbreviate(body.policy()));
      }
      return policies
          .get(body.policy())
          .orElseThrow(() -> new NotFoundException("no policy named '" + body.policy() + "'"))
          .policy();
    }
    return policies.read(body.policyText());
  }

  static Scenario scenario(ScenarioBody s) {
    if (s == null) {
      throw new BadRequestException("scenario: required (faults, and optionally timings)");
    }
    List<Scenario.Fault> faults = new ArrayList<>();
    List<FaultBody> given = s.faults() == null ? List.of() : s.faults();
    if (given.size() > 20) {
      throw new BadRequestException("scenario.faults: at most 20, found " + given.size());
    }
    for (int i = 0; i < given.size(); i++) {
      String at = "scenario.faults[" + i + "]";
      FaultBody f = given.get(i);
      if (f == null || f.effect() == null || !EFFECTS.containsKey(f.effect())) {
        throw new BadRequestException(
            at
                + ".effect: expected one of "
                + String.join(", ", new java.util.TreeSet<>(EFFECTS.keySet()))
                + (f == null || f.effect() == null
                    ? ""
                    : ", found '" + Binder.abbreviate(f.effect()) + "'"));
      }
      double p = f.probability() == null ? 1.0 : f.probability();
      if (!(p >= 0 && p <= 1)) {
        throw new BadRequestException(at + ".probability: expected 0 to 1, found " + p);
      }
      Scenario.Effect effect = EFFECTS.get(f.effect());
      Duration after =
          effect == Scenario.Effect.FAIL_AFTER
              ? duration(f.after(), at + ".after", null)
              : Duration.ZERO;
      Map<String, String> hosts = f.hosts() == null ? Map.of() : f.hosts();
      for (var e : hosts.entrySet()) {
        if (e.getKey() == null
            || e.getValue() == null
            || !Names.LABEL_KEY.matcher(e.getKey()).matches()
            || !Names.LABEL_VALUE.matcher(e.getValue()).matches()) {
          throw new BadRequestException(at + ".hosts: labels must be label keys and values");
        }
      }
      faults.add(new Scenario.Fault(effect, hosts, p, after));
    }
    Scenario.Timing d = Scenario.Timing.DEFAULT;
    Scenario.Timing timing =
        new Scenario.Timing(
            duration(s.install(), "scenario.install", d.install()),
            duration(s.boot(), "scenario.boot", d.boot()),
            duration(s.approval(), "scenario.approval", d.approval()),
            d.bootPoll());
    Duration horizon = duration(s.horizon(), "scenario.horizon", Duration.ofDays(7));
    if (horizon.compareTo(Duration.ofDays(31)) > 0) {
      throw new BadRequestException("scenario.horizon: at most 31d");
    }
    Instant start;
    try {
      start = s.start() == null ? Instant.parse("2026-01-05T09:00:00Z") : Instant.parse(s.start());
    } catch (DateTimeParseException e) {
      throw new BadRequestException(
          "scenario.start: expected an ISO-8601 instant such as 2026-12-07T09:00:00Z");
    }
    String name = s.name() == null ? describe(faults) : Binder.abbreviate(s.name());
    return new Scenario(name, faults, timing, start, horizon);
  }

  private static String describe(List<Scenario.Fault> faults) {
    if (faults.isEmpty()) {
      return "nothing wrong";
    }
    List<String> parts = new ArrayList<>();
    for (Scenario.Fault f : faults) {
      parts.add(
          f.effect().name().toLowerCase(Locale.ROOT).replace('_', ' ')
              + (f.hosts().isEmpty() ? "" : " on " + f.hosts())
              + (f.probability() < 1
                  ? String.format(Locale.ROOT, " (p=%.2f)", f.probability())
                  : ""));
    }
    return String.join("; ", parts);
  }

  private static Duration duration(String text, String field, Duration fallback) {
    if (text == null) {
      if (fallback == null) {
        throw new BadRequestException(field + ": required (a duration such as 6h)");
      }
      return fallback;
    }
    Duration d = Binder.parseDuration(text);
    if (d == null || d.isZero()) {
      throw new BadRequestException(
          field
              + ": expected a duration such as 30s, 15m, 6h, 1d, found '"
              + Binder.abbreviate(text)
              + "'");
    }
    return d;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }
}
