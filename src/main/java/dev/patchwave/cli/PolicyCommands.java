package dev.patchwave.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Policy files: plan (nothing stored), apply, diff against the stored policy. */
final class PolicyCommands {

  private PolicyCommands() {}

  /** A policy file and the name in its metadata. */
  record PolicyFile(String text, String name, String contentType) {
    static PolicyFile read(Path file) {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw CliException.error("cannot read " + file + ": " + e.getMessage());
      }
      boolean json = text.stripLeading().startsWith("{");
      String name;
      try {
        JsonNode doc = json ? Api.JSON.readTree(text) : Config.YAML.readTree(text);
        name = doc == null ? "" : doc.path("metadata").path("name").asText("");
      } catch (IOException e) {
        throw CliException.error(
            file
                + " is not "
                + (json ? "JSON" : "YAML")
                + ": "
                + e.getMessage().lines().findFirst().orElse(""));
      }
      if (name.isEmpty()) {
        throw CliException.error(file + " has no metadata.name");
      }
      return new PolicyFile(text, name, json ? "application/json" : "application/yaml");
    }

    byte[] bytes() {
      return text.getBytes(StandardCharsets.UTF_8);
    }
  }

  @Command(
      name = "plan",
      description =
          "The plan a policy file would make now against the controller's inventory; nothing is"
              + " stored.")
  static final class Plan implements Callable<Integer> {
    @ParentCommand Main root;

    @Option(
        names = {"-f", "--file"},
        required = true,
        paramLabel = "POLICY.yaml")
    Path file;

    @Option(names = "--hosts", description = "list each host with its batch, groups and why")
    boolean hosts;

    @Option(
        names = "--what-if",
        paramLabel = "'EFFECT [label=value...] [p=0.5] [after=6h]'",
        description =
            "and a what-if simulation of the file next to the plan (as simulate --fault);"
                + " repeat for more faults")
    List<String> whatIf = new ArrayList<>();

    @Option(names = "--runs", defaultValue = "5", description = "the what-if's runs (default 5)")
    int runs;

    @Override
    public Integer call() {
      PolicyFile p = PolicyFile.read(file);
      JsonNode plan =
          Api.ok(root.api().send("POST", "/api/v1/plans", p.contentType(), p.bytes())).json();
      JsonNode simulation = null;
      if (!whatIf.isEmpty()) {
        com.fasterxml.jackson.databind.node.ObjectNode body =
            Api.JSON.createObjectNode().put("policyText", p.text()).put("runs", runs);
        com.fasterxml.jackson.databind.node.ArrayNode faults =
            body.putObject("scenario").putArray("faults");
        whatIf.forEach(f -> faults.add(SimulateCommand.fault(f)));
        simulation = SimulateCommand.run(root, body);
      }
      if (root.output != Output.Format.table) {
        if (simulation == null) {
          Output.document(root.out, root.output, plan);
        } else {
          com.fasterxml.jackson.databind.node.ObjectNode both = Api.JSON.createObjectNode();
          both.set("plan", plan);
          both.set("whatIf", simulation);
          Output.document(root.out, root.output, both);
        }
        return 0;
      }
      root.out.println(
          "Policy "
              + plan.path("policy").asText()
              + ": "
              + plan.path("selectedHosts").asInt()
              + " hosts selected"
              + (plan.path("groupBy").isEmpty()
                  ? ""
                  : ", groups by " + Output.text(plan.path("groupBy"))));
      plan.path("notes").forEach(n -> root.out.println("  note: " + n.asText()));
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"WAVE", "NAME", "SIZE", "HOSTS", "SOAK", "APPROVAL", "BATCHES"});
      for (JsonNode w : plan.path("waves")) {
        rows.add(
            new String[] {
              Integer.toString(w.path("index").asInt() + 1),
              w.path("name").asText(),
              w.path("size").asText(),
              w.path("hosts").asText(),
              w.path("soak").asText(),
              w.path("approval").asText(),
              Integer.toString(w.path("batches").size())
            });
      }
      Output.table(root.out, rows);
      if (hosts) {
        for (JsonNode w : plan.path("waves")) {
          root.out.println("Wave " + (w.path("index").asInt() + 1) + " " + w.path("name").asText());
          for (JsonNode b : w.path("batches")) {
            for (JsonNode h : b.path("hosts")) {
              root.out.println(
                  Output.oneLine(
                      "  batch "
                          + (b.path("index").asInt() + 1)
                          + "  "
                          + h.path("host").asText()
                          + "  "
                          + Output.text(h.path("groups"))
                          + "  "
                          + h.path("explanation").asText()));
            }
          }
        }
      }
      if (simulation != null) {
        root.out.println();
        SimulateCommand.print(root, simulation);
      }
      return 0;
    }
  }

  @Command(
      name = "apply",
      description = {
        "Create or replace the policy a file holds (its metadata.name).",
        "A new policy, or a change that loosens safety, waits for an approver: the revision is"
            + " printed."
      })
  static final class Apply implements Callable<Integer> {
    @ParentCommand Main root;

    @Option(
        names = {"-f", "--file"},
        required = true,
        paramLabel = "POLICY.yaml")
    Path file;

    @Override
    public Integer call() {
      PolicyFile p = PolicyFile.read(file);
      Api.Answer a =
          Api.ok(
              root.api().send("PUT", "/api/v1/policies/" + p.name(), p.contentType(), p.bytes()));
      JsonNode body = a.json();
      if (root.output != Output.Format.table) {
        Output.document(root.out, root.output, body);
      } else if (a.status() == 202) {
        root.out.println(
            "policy "
                + p.name()
                + ": revision "
                + body.path("id").asText()
                + " waits for an approver (it loosens: "
                + Output.text(body.path("loosens"))
                + ")");
      } else {
        root.out.println(
            "policy "
                + p.name()
                + (a.status() == 201 ? " created" : " updated")
                + " (revision "
                + body.path("revision").asText()
                + ")");
      }
      return 0;
    }
  }

  @Command(
      name = "diff",
      description = "What apply would change: the stored policy's text against the file's.")
  static final class Diff implements Callable<Integer> {
    @ParentCommand Main root;

    @Option(
        names = {"-f", "--file"},
        required = true,
        paramLabel = "POLICY.yaml")
    Path file;

    @Override
    public Integer call() {
      PolicyFile p = PolicyFile.read(file);
      Api.Answer a = root.api().send("GET", "/api/v1/policies/" + p.name(), null, null);
      String stored;
      if (a.status() == 404) {
        stored = "";
        root.out.println("policy " + p.name() + " does not exist yet: apply creates it");
      } else {
        stored = Api.ok(a).json().path("source").asText();
      }
      List<String> lines = LineDiff.lines(stored, p.text());
      if (lines.stream().noneMatch(l -> l.startsWith("+") || l.startsWith("-"))) {
        root.out.println("no differences");
      } else {
        root.out.println("--- " + p.name() + " (stored)");
        root.out.println("+++ " + file);
        lines.forEach(root.out::println);
      }
      return 0;
    }
  }
}
