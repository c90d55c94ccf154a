package dev.patchwave.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code quarantine list|add|release|incidents|isolate|isolation}. */
@Command(
    name = "quarantine",
    description = "Versions no rollout installs and every host is pinned against.",
    subcommands = {
      QuarantineCommands.ListCommand.class,
      QuarantineCommands.Add.class,
      QuarantineCommands.Release.class,
      QuarantineCommands.Incidents.class,
      QuarantineCommands.Isolate.class,
      QuarantineCommands.IsolationCommand.class
    })
final class QuarantineCommands {

  @ParentCommand Main root;

  @Command(name = "list", description = "The quarantined versions (--all: released ones too).")
  static final class ListCommand implements Callable<Integer> {
    @ParentCommand QuarantineCommands parent;

    @Option(names = "--all")
    boolean all;

    @Override
    public Integer call() {
      ReadCommands.quarantine(parent.root, parent.root.api(), all);
      return 0;
    }
  }

  @Command(name = "add", description = "Quarantine a version: quarantine add PACKAGE VERSION.")
  static final class Add implements Callable<Integer> {
    @ParentCommand QuarantineCommands parent;

    @Parameters(index = "0", paramLabel = "PACKAGE")
    String packageName;

    @Parameters(index = "1", paramLabel = "VERSION")
    String version;

    @Option(names = "--reason", required = true, description = "why (kept with the entry)")
    String reason;

    @Override
    public Integer call() {
      ObjectNode body =
          Api.JSON
              .createObjectNode()
              .put("packageName", packageName)
              .put("version", version)
              .put("reason", reason);
      JsonNode entry = parent.root.api().post("/api/v1/quarantine", body).json();
      if (parent.root.output == Output.Format.table) {
        parent.root.out.println(
            "quarantined "
                + packageName
                + " "
                + version
                + " (id "
                + entry.path("id").asText()
                + ")");
      } else {
        Output.document(parent.root.out, parent.root.output, entry);
      }
      return 0;
    }
  }

  @Command(name = "release", description = "Release a quarantined version by its id.")
  static final class Release implements Callable<Integer> {
    @ParentCommand QuarantineCommands parent;

    @Parameters(paramLabel = "ID")
    long id;

    @Override
    public Integer call() {
      Api.ok(parent.root.api().send("DELETE", "/api/v1/quarantine/" + id, null, null));
      parent.root.out.println("released quarantine entry " + id);
      return 0;
    }
  }

  @Command(
      name = "incidents",
      description = "Incidents: the versions a failed host had installed, quarantined as suspects.")
  static final class Incidents implements Callable<Integer> {
    @ParentCommand QuarantineCommands parent;

    @Override
    public Integer call() {
      Main root = parent.root;
      JsonNode incidents = root.api().get("/api/v1/quarantine/incidents");
      if (root.output != Output.Format.table) {
        Output.document(root.out, root.output, incidents);
        return 0;
      }
      java.util.List<String[]> rows = new java.util.ArrayList<>();
      rows.add(new String[] {"INCIDENT", "ROLLOUT", "HOST", "VERSION", "VERDICT", "ISOLATION"});
      for (JsonNode i : incidents) {
        JsonNode last = i.path("isolations").path(0);
        String isolation =
            last.isMissingNode()
                ? ""
                : last.path("id").asText() + " " + last.path("phase").asText();
        for (JsonNode e : i.path("entries")) {
          rows.add(
              new String[] {
                i.path("id").asText(),
                i.path("rolloutId").asText(),
                i.path("host").asText(),
                e.path("packageName").asText() + "=" + e.path("version").asText(),
                e.path("verdict").asText(),
                isolation
              });
        }
      }
      Output.table(root.out, rows);
      return 0;
    }
  }

  @Command(
      name = "isolate",
      description =
          "Prove an incident's suspects on one fresh host and release the innocent: isolate"
              + " INCIDENT.")
  static final class Isolate implements Callable<Integer> {
    @ParentCommand QuarantineCommands parent;

    @Parameters(paramLabel = "INCIDENT")
    long incident;

    @Option(names = "--host", description = "the host to prove on (default: the controller picks)")
    String host;

    @Option(
        names = "--strategy",
        defaultValue = "oneAtATime",
        description = "oneAtATime (default) or halves")
    String strategy;

    @Override
    public Integer call() {
      ObjectNode body = Api.JSON.createObjectNode().put("strategy", strategy);
      if (host != null) {
        body.put("host", host);
      }
      JsonNode started =
          parent
              .root
              .api()
              .post("/api/v1/quarantine/incidents/" + incident + "/isolate", body)
              .json();
      if (parent.root.output == Output.Format.table) {
        parent.root.out.println(
            "isolation "
                + started.path("id").asText()
                + " proves the suspects of incident "
                + incident
                + " on "
                + started.path("host").asText()
                + " ("
                + started.path("strategy").asText()
                + "); follow it with: patchwave quarantine isolation "
                + started.path("id").asText());
      } else {
        Output.document(parent.root.out, parent.root.output, started);
      }
      return 0;
    }
  }

  @Command(name = "isolation", description = "One isolation and its proofs: isolation ID.")
  static final class IsolationCommand implements Callable<Integer> {
    @ParentCommand QuarantineCommands parent;

    @Parameters(paramLabel = "ID")
    long id;

    @Option(names = "--abort", description = "abort it (its proving rollout too)")
    boolean abort;

    @Override
    public Integer call() {
      Main root = parent.root;
      if (abort) {
        Api.ok(root.api().send("DELETE", "/api/v1/quarantine/isolations/" + id, null, null));
        root.out.println("aborted isolation " + id);
        return 0;
      }
      JsonNode i = root.api().get("/api/v1/quarantine/isolations/" + id);
      if (root.output != Output.Format.table) {
        Output.document(root.out, root.output, i);
        return 0;
      }
      root.out.println(
          "isolation "
              + id
              + " of incident "
              + i.path("incidentId").asText()
              + " on "
              + i.path("host").asText()
              + " ("
              + i.path("strategy").asText()
              + "): "
              + i.path("phase").asText()
              + (i.path("detail").asText().isEmpty() ? "" : ": " + i.path("detail").asText()));
      java.util.List<String[]> rows = new java.util.ArrayList<>();
      rows.add(new String[] {"PROOF", "VERSIONS", "ROLLOUT", "OUTCOME", "DETAIL"});
      for (JsonNode p : i.path("proofs")) {
        java.util.List<String> versions = new java.util.ArrayList<>();
        p.path("versions").forEach(v -> versions.add(v.asText()));
        rows.add(
            new String[] {
              p.path("ordinal").asText(),
              String.join(" ", versions),
              p.path("rolloutId").asText(),
              p.path("outcome").isNull() ? "running" : p.path("outcome").asText(),
              p.path("detail").asText()
            });
      }
      Output.table(root.out, rows);
      return 0;
    }
  }
}
