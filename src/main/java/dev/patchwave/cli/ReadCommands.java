package dev.patchwave.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code get} and {@code describe}: reads, as tables or as the API's JSON. */
final class ReadCommands {

  private ReadCommands() {}

  enum Kind {
    policies,
    rollouts,
    hosts,
    updates,
    quarantine,
    audit
  }

  @Command(
      name = "get",
      description = "List policies, rollouts, hosts, pending updates, quarantine or audit records.")
  static final class Get implements Callable<Integer> {
    @ParentCommand Main root;

    @Parameters(
        paramLabel = "KIND",
        description = "policies, rollouts, hosts, updates, quarantine or audit")
    Kind kind;

    @Option(names = "--phase", description = "rollouts: only this phase (RUNNING, HALTED, ...)")
    String phase;

    @Option(names = "--prefix", description = "hosts: names that start with this")
    String prefix;

    @Option(names = "--all", description = "quarantine: released versions too")
    boolean all;

    @Option(names = "--actor", description = "audit: only this actor")
    String actor;

    @Option(names = "--action", description = "audit: only this action (rollout.start, ...)")
    String action;

    @Option(names = "--limit", description = "hosts, audit: at most this many")
    Integer limit;

    @Override
    public Integer call() {
      Api api = root.api();
      String lim = limit == null ? "" : Api.query("limit", limit.toString());
      switch (kind) {
        case policies ->
            Output.items(
                root.out,
                root.output,
                api.get("/api/v1/policies"),
                List.of(
                    Output.Column.of("NAME", "name"),
                    Output.Column.of("ORIGIN", "origin"),
                    Output.Column.of("REVISION", "revision"),
                    Output.Column.of("WAVES", "waves"),
                    new Output.Column("UPDATED", n -> Output.time(n.path("updatedAt"))),
                    Output.Column.of("BY", "updatedBy")));
        case rollouts ->
            Output.items(
                root.out,
                root.output,
                api.get(Api.path("/api/v1/rollouts", Api.query("phase", phase))),
                List.of(
                    Output.Column.of("ID", "id"),
                    Output.Column.of("POLICY", "policy"),
                    Output.Column.of("PHASE", "phase"),
                    new Output.Column("WAVE", n -> Integer.toString(n.path("wave").asInt() + 1)),
                    Output.Column.of("STARTED BY", "startedBy"),
                    new Output.Column("STARTED", n -> Output.time(n.path("startedAt"))),
                    new Output.Column(
                        "WHY",
                        n ->
                            Output.text(n.path("reason"))
                                + (Output.text(n.path("detail")).isEmpty()
                                    ? ""
                                    : ": " + Output.text(n.path("detail"))))));
        case hosts ->
            Output.items(
                root.out,
                root.output,
                api.get(Api.path("/api/v1/hosts", Api.query("prefix", prefix), lim)),
                List.of(
                    Output.Column.of("NAME", "name"),
                    Output.Column.of("TRANSPORT", "transport"),
                    Output.Column.of("PACKAGES", "packageManager"),
                    Output.Column.of("LABELS", "labels")));
        case updates ->
            Output.items(
                root.out,
                root.output,
                api.get("/api/v1/updates"),
                List.of(
                    Output.Column.of("PACKAGE", "packageName"),
                    Output.Column.of("VERSION", "version"),
                    Output.Column.of("ORIGIN", "origin"),
                    Output.Column.of("HOSTS", "hosts"),
                    new Output.Column("AGE", n -> age(n.path("ageSeconds"))),
                    new Output.Column(
                        "QUARANTINED", n -> n.path("quarantined").asBoolean() ? "yes" : "")));
        case quarantine -> quarantine(root, api, all);
        case audit ->
            Output.items(
                root.out,
                root.output,
                api.get(
                    Api.path(
                        "/api/v1/audit",
                        Api.query("actor", actor),
                        Api.query("action", action),
                        lim)),
                List.of(
                    Output.Column.of("ID", "id"),
                    new Output.Column("AT", n -> Output.time(n.path("at"))),
                    Output.Column.of("ACTOR", "actor"),
                    Output.Column.of("ACTION", "action"),
                    Output.Column.of("TARGET", "target"),
                    Output.Column.of("OUTCOME", "outcome"),
                    Output.Column.of("STATUS", "status")));
        default -> throw new IllegalStateException(kind.name());
      }
      return 0;
    }
  }

  static void quarantine(Main root, Api api, boolean all) {
    Output.items(
        root.out,
        root.output,
        api.get(Api.path("/api/v1/quarantine", all ? "all=true" : "")),
        List.of(
            Output.Column.of("ID", "id"),
            Output.Column.of("PACKAGE", "packageName"),
            Output.Column.of("VERSION", "version"),
            Output.Column.of("ROLLOUT", "rolloutId"),
            Output.Column.of("HOST", "host"),
            new Output.Column("SINCE", n -> Output.time(n.path("createdAt"))),
            Output.Column.of("BY", "createdBy"),
            new Output.Column(
                "RELEASED",
                n ->
                    n.path("releasedAt").isNull() || n.path("releasedAt").isMissingNode()
                        ? ""
                        : Output.time(n.path("releasedAt"))
                            + " by "
                            + n.path("releasedBy").asText()),
            Output.Column.of("WHY", "reason")));
  }

  private static String age(JsonNode seconds) {
    if (seconds.isMissingNode() || seconds.isNull()) {
      return "";
    }
    long s = seconds.asLong();
    return s >= 86400 ? s / 86400 + "d" : s >= 3600 ? s / 3600 + "h" : s / 60 + "m";
  }

  @Command(name = "describe", description = "One rollout in full: describe rollout ID.")
  static final class Describe implements Callable<Integer> {
    @ParentCommand Main root;

    @Parameters(index = "0", paramLabel = "rollout", description = "what to describe: rollout")
    String what;

    @Parameters(index = "1", paramLabel = "ID")
    long id;

    @Option(names = "--events", defaultValue = "20", description = "how many of the last events")
    int events;

    @Override
    public Integer call() {
      if (!what.equals("rollout")) {
        throw CliException.error("describe takes: rollout ID");
      }
      Api api = root.api();
      JsonNode r = api.get("/api/v1/rollouts/" + id);
      JsonNode ev = api.get("/api/v1/rollouts/" + id + "/events?limit=5000");
      if (root.output != Output.Format.table) {
        var doc = Api.JSON.createObjectNode();
        doc.set("rollout", r);
        doc.set("events", ev);
        Output.document(root.out, root.output, doc);
      } else {
        RolloutCommands.printRollout(root.out, r);
        List<JsonNode> all = new ArrayList<>();
        ev.forEach(all::add);
        root.out.println("Events (last " + Math.min(events, all.size()) + "):");
        for (JsonNode e : all.subList(Math.max(0, all.size() - events), all.size())) {
          root.out.println("  " + RolloutCommands.event(e));
        }
      }
      return RolloutCommands.exitCodeOf(r);
    }
  }
}
