package dev.patchwave.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Rollouts: start, watch, pause, resume, abort, approve. */
final class RolloutCommands {

  private static final Set<String> STOPPED = Set.of("HALTED", "ABORTED");
  private static final Set<String> FINISHED =
      Set.of("HALTED", "ABORTED", "COMPLETED", "COMPLETED_WITH_SKIPS");
  private static final Set<String> DONE_HOSTS = Set.of("HEALTHY", "FAILED", "SKIPPED", "ABORTED");

  private RolloutCommands() {}

  /** 3 when the rollout stopped before its end (halted by a failure, or aborted); else 0. */
  static int exitCodeOf(JsonNode rollout) {
    return STOPPED.contains(rollout.path("phase").asText()) ? CliException.HALTED : 0;
  }

  static String event(JsonNode e) {
    StringBuilder b =
        new StringBuilder(Output.time(e.path("at"))).append("  ").append(e.path("reason").asText());
    if (!e.path("wave").isNull() && !e.path("wave").isMissingNode()) {
      b.append("  wave ").append(e.path("wave").asInt() + 1);
    }
    if (!Output.text(e.path("host")).isEmpty()) {
      b.append("  ").append(e.path("host").asText());
    }
    if (!Output.text(e.path("detail")).isEmpty()) {
      b.append("  ").append(e.path("detail").asText());
    }
    return Output.oneLine(b.toString());
  }

  /** The rollout as a person reads it: phase, gate, patch set, a progress bar per wave. */
  static void printRollout(PrintWriter out, JsonNode r) {
    out.println(
        "Rollout "
            + r.path("id").asText()
            + " of "
            + r.path("policy").asText()
            + ": "
            + r.path("phase").asText()
            + " ("
            + r.path("reason").asText()
            + (Output.text(r.path("detail")).isEmpty() ? "" : ": " + r.path("detail").asText())
            + ")");
    out.println(
        "Started by " + r.path("startedBy").asText() + " at " + Output.time(r.path("startedAt")));
    JsonNode gate = r.path("gate");
    if (gate.isObject()) {
      String until = Output.text(gate.path("until"));
      out.println(
          "Waiting: "
              + gate.path("detail").asText()
              + (until.isEmpty() ? "" : " (until " + Output.time(gate.path("until")) + ")"));
    }
    if (r.path("patchSet").isArray()) {
      StringBuilder ps = new StringBuilder("Patch set:");
      r.path("patchSet")
          .forEach(
              p ->
                  ps.append(' ')
                      .append(p.path("name").asText())
                      .append('=')
                      .append(p.path("version").asText()));
      out.println(ps);
    } else {
      out.println("Patch set: not frozen yet");
    }
    int current = r.path("wave").asInt();
    boolean finished = FINISHED.contains(r.path("phase").asText());
    for (JsonNode w : r.path("waves")) {
      int size = w.path("size").asInt();
      int done = 0;
      StringBuilder phases = new StringBuilder();
      for (Map.Entry<String, JsonNode> e : iterable(w.path("hosts"))) {
        if (DONE_HOSTS.contains(e.getKey())) {
          done += e.getValue().asInt();
        }
        phases.append(' ').append(e.getKey()).append(' ').append(e.getValue().asInt());
      }
      String marker = !finished && w.path("index").asInt() == current ? ">" : " ";
      out.printf(
          "%s %d. %-12s %s %d/%d%s%n",
          marker,
          w.path("index").asInt() + 1,
          w.path("name").asText(),
          Output.bar(done, size, 20),
          done,
          size,
          phases);
    }
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
    return n::fields;
  }

  @Command(name = "start", description = "Start a rollout of a stored policy; prints its id.")
  static final class Start implements Callable<Integer> {
    @ParentCommand Main root;

    @Parameters(paramLabel = "POLICY")
    String policy;

    @Option(
        names = "--packages",
        split = ",",
        description = "only these packages (an urgent fix alone): openssl,libssl3")
    List<String> packages;

    @Option(
        names = "--skip-owned",
        description = "leave out hosts another unfinished rollout owns (else: refused)")
    boolean skipOwned;

    @Option(names = "--ignore-min-age", description = "with --packages: lift minPackageAge")
    boolean ignoreMinAge;

    @Override
    public Integer call() {
      ObjectNode body = Api.JSON.createObjectNode().put("policy", policy);
      if (skipOwned) {
        body.put("onConflict", "skip");
      }
      if (packages != null) {
        packages.forEach(body.putArray("packages")::add);
      }
      if (ignoreMinAge) {
        body.put("ignoreMinAge", true);
      }
      JsonNode r = root.api().post("/api/v1/rollouts", body).json();
      if (root.output == Output.Format.table) {
        root.out.println(r.path("id").asText());
      } else {
        Output.document(root.out, root.output, r);
      }
      return 0;
    }
  }

  @Command(
      name = "watch",
      description = {
        "Follow a rollout: its waves with progress bars, and each event as it happens.",
        "Ends when it finishes (exit 0), halts or is aborted (exit 3), or reaches --until."
      })
  static final class Watch implements Callable<Integer> {
    @ParentCommand Main root;

    @Parameters(paramLabel = "ID")
    long id;

    @Option(names = "--interval", defaultValue = "2s", description = "how often to look")
    String interval;

    @Option(
        names = "--until",
        description = "also end (exit 0) when the rollout reaches this phase: AWAITING_APPROVAL")
    String until;

    @Option(names = "--for", description = "give up after this long (exit 1)")
    String limit;

    @Override
    public Integer call() throws InterruptedException {
      Api api = root.api();
      Duration every = Main.duration(interval, "--interval");
      Instant giveUp =
          limit == null ? Instant.MAX : Instant.now().plus(Main.duration(limit, "--for"));
      long lastEvent = 0;
      String lastView = "";
      while (true) {
        JsonNode r = api.get("/api/v1/rollouts/" + id);
        for (JsonNode e : api.get("/api/v1/rollouts/" + id + "/events?after=" + lastEvent)) {
          root.out.println(event(e));
          lastEvent = e.path("id").asLong();
        }
        java.io.StringWriter view = new java.io.StringWriter();
        printRollout(new PrintWriter(view), r);
        if (!view.toString().equals(lastView)) {
          root.out.print(view);
          lastView = view.toString();
        }
        root.out.flush();
        String phase = r.path("phase").asText();
        if (FINISHED.contains(phase)) {
          return exitCodeOf(r);
        }
        if (phase.equals(until)) {
          return 0;
        }
        if (Instant.now().isAfter(giveUp)) {
          throw CliException.error("rollout " + id + " is still " + phase + " after " + limit);
        }
        Thread.sleep(every.toMillis());
      }
    }
  }

  /** pause, resume and abort: one POST each, the rollout's state after it. */
  abstract static class Command0 implements Callable<Integer> {
    @ParentCommand Main root;

    @Parameters(paramLabel = "ID")
    long id;

    abstract String verb();

    @Override
    public Integer call() {
      JsonNode r = root.api().post("/api/v1/rollouts/" + id + "/" + verb(), null).json();
      if (root.output == Output.Format.table) {
        printRollout(root.out, r);
      } else {
        Output.document(root.out, root.output, r);
      }
      return 0;
    }
  }

  @Command(name = "pause", description = "Pause a rollout: hosts in a step finish it; no new one.")
  static final class Pause extends Command0 {
    @Override
    String verb() {
      return "pause";
    }
  }

  @Command(name = "resume", description = "Resume a paused rollout.")
  static final class Resume extends Command0 {
    @Override
    String verb() {
      return "resume";
    }
  }

  @Command(
      name = "abort",
      description = "Abort a rollout: nothing more is touched, every host is released.")
  static final class Abort extends Command0 {
    @Override
    String verb() {
      return "abort";
    }
  }

  @Command(
      name = "approve",
      description = {
        "Approve the wave a rollout waits at (approve ID), or a pending policy revision"
            + " (approve --policy NAME --revision N)."
      })
  static final class Approve implements Callable<Integer> {
    @ParentCommand Main root;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "the rollout")
    Long id;

    @Option(
        names = "--wave",
        description = "the wave's number as describe shows it (default: the one it waits at)")
    Integer wave;

    @Option(names = "--policy", description = "a policy whose revision to approve")
    String policy;

    @Option(names = "--revision", description = "the revision's id")
    Long revision;

    @Override
    public Integer call() {
      Api api = root.api();
      JsonNode answer;
      if (policy != null || revision != null) {
        if (policy == null || revision == null || id != null) {
          throw CliException.error("approve a revision with --policy NAME --revision N only");
        }
        answer =
            api.post("/api/v1/policies/" + policy + "/revisions/" + revision + "/approve", null)
                .json();
      } else {
        if (id == null) {
          throw CliException.error("approve ID (a rollout), or --policy NAME --revision N");
        }
        int index;
        if (wave != null) {
          index = wave - 1;
        } else {
          JsonNode gate = api.get("/api/v1/rollouts/" + id).path("gate");
          if (!"approval".equals(gate.path("kind").asText())) {
            throw CliException.refused("rollout " + id + " is not waiting for an approval");
          }
          index = gate.path("wave").asInt();
        }
        answer = api.post("/api/v1/rollouts/" + id + "/waves/" + index + "/approve", null).json();
      }
      if (root.output == Output.Format.table) {
        if (answer.has("waves")) {
          printRollout(root.out, answer);
        } else {
          root.out.println("approved");
        }
      } else {
        Output.document(root.out, root.output, answer);
      }
      return 0;
    }
  }
}
