package dev.patchwave.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code quarantine list|add|release}. */
@Command(
    name = "quarantine",
    description = "Versions no rollout installs and every host is pinned against.",
    subcommands = {
      QuarantineCommands.ListCommand.class,
      QuarantineCommands.Add.class,
      QuarantineCommands.Release.class
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
}
