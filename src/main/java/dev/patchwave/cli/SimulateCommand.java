package dev.patchwave.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code patchwave simulate}: a what-if of a policy next to the usual tools (ADR 19). */
@Command(
    name = "simulate",
    description =
        "What a policy (stored, or a file) would do with a bad version on the controller's"
            + " inventory, next to unattended-upgrades, kured, Ansible serial and SSM rate control;"
            + " nothing touches a host and nothing is stored.")
final class SimulateCommand implements Callable<Integer> {

  @ParentCommand Main root;

  @Parameters(arity = "0..1", paramLabel = "POLICY", description = "a stored policy's name")
  String policy;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "POLICY.yaml",
      description = "a policy file instead of a stored policy")
  Path file;

  @Option(
      names = "--fault",
      paramLabel = "'EFFECT [label=value...] [p=0.5] [after=6h]'",
      description =
          "what the bad version does: panicOnInstall, panicOnReboot, unhealthyAfterReboot,"
              + " failAfter (with after=), networkLost; on hosts with these labels, with"
              + " probability p (default 1). Repeat for more faults; none: nothing wrong.")
  List<String> faults = new ArrayList<>();

  @Option(names = "--runs", defaultValue = "10", description = "runs (1 to 50; default 10)")
  int runs;

  @Option(names = "--seed", defaultValue = "1", description = "the draws' seed (default 1)")
  long seed;

  @Option(names = "--no-baselines", description = "Patchwave's policy only")
  boolean noBaselines;

  @Option(
      names = "--chart",
      paramLabel = "FILE.svg",
      description = "write hosts out of service over time (SVG) here")
  Path chart;

  @Override
  public Integer call() {
    if ((policy == null) == (file == null)) {
      throw CliException.error("give a stored policy's name or -f POLICY.yaml, not both");
    }
    ObjectNode body = Api.JSON.createObjectNode();
    if (file != null) {
      body.put("policyText", PolicyCommands.PolicyFile.read(file).text());
    } else {
      body.put("policy", policy);
    }
    body.put("runs", runs)
        .put("seed", seed)
        .put("baselines", !noBaselines)
        .put("chart", chart != null);
    ArrayNode list = body.putObject("scenario").putArray("faults");
    for (String f : faults) {
      list.add(fault(f));
    }
    JsonNode answer = run(root, body);
    if (chart != null) {
      try {
        Files.writeString(chart, answer.path("chart").asText(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw CliException.error("cannot write " + chart + ": " + e.getMessage());
      }
    }
    if (root.output != Output.Format.table) {
      Output.document(root.out, root.output, answer);
      return 0;
    }
    print(root, answer);
    if (chart != null) {
      root.out.println("chart: " + chart);
    }
    return 0;
  }

  /** Asks the controller for the simulation {@code body} describes. */
  static JsonNode run(Main root, ObjectNode body) {
    return Api.ok(
            root.api()
                .send(
                    "POST",
                    "/api/v1/simulations",
                    "application/json",
                    body.toString().getBytes(StandardCharsets.UTF_8)))
        .json();
  }

  /** The scenario line and one row per strategy. */
  static void print(Main root, JsonNode answer) {
    root.out.println(
        "Scenario: "
            + answer.path("scenario").asText()
            + "; policy "
            + answer.path("policy").asText()
            + ", "
            + answer.path("hosts").asInt()
            + " hosts, "
            + answer.path("runs").asInt()
            + " runs, seed "
            + answer.path("seed").asLong());
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "STRATEGY", "GOT IT (MEAN/MAX)", "GROUP DOWN", "LEFT DOWN", "STOPPED", "FINISHED"
        });
    for (JsonNode r : answer.path("rows")) {
      rows.add(
          new String[] {
            r.path("strategy").asText(),
            String.format(
                Locale.ROOT,
                "%.1f/%d",
                r.path("receivedMean").asDouble(),
                r.path("receivedMax").asInt()),
            Integer.toString(r.path("maxGroupDown").asInt()),
            String.format(Locale.ROOT, "%.1f", r.path("downForGoodMean").asDouble()),
            r.path("stoppedRuns").asInt() == 0
                ? "no"
                : r.path("stoppedRuns").asInt()
                    + "/"
                    + r.path("runs").asInt()
                    + " after "
                    + hours(r.path("medianStopSeconds").asLong()),
            r.path("medianFinishSeconds").isNull() || r.path("medianFinishSeconds").isMissingNode()
                ? "-"
                : hours(r.path("medianFinishSeconds").asLong())
          });
    }
    Output.table(root.out, rows);
  }

  /** {@code panicOnReboot hardware=dell-r650 p=0.5}, {@code failAfter after=6h}. */
  static ObjectNode fault(String text) {
    String[] words = text.strip().split("\\s+");
    if (words.length == 0 || words[0].isEmpty() || words[0].contains("=")) {
      throw CliException.error(
          "--fault '" + text + "': start with the effect, such as panicOnReboot");
    }
    ObjectNode f = Api.JSON.createObjectNode().put("effect", words[0]);
    ObjectNode hosts = f.putObject("hosts");
    for (int i = 1; i < words.length; i++) {
      int eq = words[i].indexOf('=');
      if (eq <= 0 || eq == words[i].length() - 1) {
        throw CliException.error(
            "--fault '"
                + text
                + "': expected label=value, p=0.5 or after=6h, found '"
                + words[i]
                + "'");
      }
      String key = words[i].substring(0, eq);
      String value = words[i].substring(eq + 1);
      switch (key) {
        case "p" -> {
          try {
            f.put("probability", Double.parseDouble(value));
          } catch (NumberFormatException e) {
            throw CliException.error("--fault '" + text + "': p must be a number from 0 to 1");
          }
        }
        case "after" -> f.put("after", value);
        default -> hosts.put(key, value);
      }
    }
    return f;
  }

  private static String hours(long seconds) {
    return seconds < 7200
        ? seconds / 60 + " min"
        : String.format(Locale.ROOT, "%.1f h", seconds / 3600.0);
  }
}
