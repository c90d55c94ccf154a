package dev.patchwave.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code login} and {@code config}: the contexts of the config file. */
final class LoginCommands {

  private LoginCommands() {}

  @Command(
      name = "login",
      description = {
        "Check a token against a controller and save both as a context (the current one).",
        "The token stays where it is (an environment variable or a file) unless given on stdin,"
            + " in which case the config file keeps it (mode 0600)."
      })
  static final class Login implements Callable<Integer> {
    @ParentCommand Main root;

    @Option(names = "--name", description = "the context's name (default: the server's host)")
    String name;

    static final class TokenSource {
      @Option(names = "--token-env", description = "read the token from this variable each time")
      String env;

      @Option(names = "--token-from", description = "read the token from this file each time")
      Path file;

      @Option(names = "--token-stdin", description = "read the token now from standard input")
      boolean stdin;

      @Option(
          names = "--oidc",
          paramLabel = "ISSUER",
          description =
              "log in with the OIDC device flow at this issuer; the access token is kept and"
                  + " renewed with the refresh token")
      String oidcIssuer;
    }

    @Option(
        names = "--client-id",
        defaultValue = "patchwave-cli",
        description = "with --oidc: the OIDC client (default: ${DEFAULT-VALUE})")
    String clientId;

    @Option(
        names = "--scope",
        defaultValue = "openid offline_access",
        description = "with --oidc: the scopes asked for (default: ${DEFAULT-VALUE})")
    String scope;

    @ArgGroup(multiplicity = "1")
    TokenSource source;

    @Override
    public Integer call() {
      if (root.server == null) {
        throw CliException.error("login needs --server URL");
      }
      URI server = Main.serverUri(root.server);
      String token;
      Config.Context ctx;
      String contextName = name != null ? name : server.getHost();
      if (source.env != null) {
        token = root.env.get(source.env);
        if (token == null || token.isBlank()) {
          throw CliException.error("$" + source.env + " is not set");
        }
        ctx = new Config.Context(contextName, server.toString(), source.env, null, null);
      } else if (source.file != null) {
        token = Main.readToken(source.file);
        ctx =
            new Config.Context(
                contextName,
                server.toString(),
                null,
                source.file.toAbsolutePath().toString(),
                null);
      } else if (source.oidcIssuer != null) {
        OidcLogin.Tokens t;
        try {
          t =
              new OidcLogin(Main.duration(root.timeout, "--timeout"))
                  .device(source.oidcIssuer, clientId, scope, root.err);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw CliException.error("interrupted");
        }
        token = t.access();
        ctx =
            new Config.Context(
                contextName,
                server.toString(),
                null,
                null,
                t.access(),
                source.oidcIssuer,
                clientId,
                t.refresh(),
                t.expiresAt());
      } else {
        token = readStdin();
        ctx = new Config.Context(contextName, server.toString(), null, null, token);
      }
      // a token the controller refuses is not saved
      Api api = new Api(server, token.strip(), Main.duration(root.timeout, "--timeout"));
      api.get("/api/v1/policies");
      Path path = Config.path(root.env);
      Config.save(path, Config.with(Config.load(path), ctx, true));
      root.out.println(
          "logged in to " + server + " as context '" + contextName + "' (" + path + ")");
      return 0;
    }

    private String readStdin() {
      try {
        String line =
            new BufferedReader(new InputStreamReader(root.in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isBlank()) {
          throw CliException.error("no token on standard input");
        }
        return line.strip();
      } catch (IOException e) {
        throw CliException.error("cannot read standard input: " + e.getMessage());
      }
    }
  }

  @Command(
      name = "config",
      description = "The contexts of the config file.",
      subcommands = {GetContexts.class, UseContext.class, CurrentContext.class})
  static final class ConfigCommand {
    @ParentCommand Main root;
  }

  @Command(name = "get-contexts", description = "List the contexts; * marks the current one.")
  static final class GetContexts implements Callable<Integer> {
    @ParentCommand ConfigCommand config;

    @Override
    public Integer call() {
      Main root = config.root;
      Config.Document doc = Config.load(Config.path(root.env));
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"CURRENT", "NAME", "SERVER", "TOKEN FROM"});
      for (Config.Context c : doc.contexts()) {
        rows.add(
            new String[] {
              c.name().equals(doc.currentContext()) ? "*" : "",
              c.name(),
              c.server(),
              c.oidcIssuer() != null
                  ? "oidc " + c.oidcIssuer()
                  : c.tokenEnv() != null
                      ? "$" + c.tokenEnv()
                      : c.tokenFile() != null ? c.tokenFile() : "config file"
            });
      }
      Output.table(root.out, rows);
      return 0;
    }
  }

  @Command(name = "use-context", description = "Make a context the current one.")
  static final class UseContext implements Callable<Integer> {
    @ParentCommand ConfigCommand config;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      Path path = Config.path(config.root.env);
      Config.Document doc = Config.load(path);
      Config.Context ctx =
          Config.find(doc, name)
              .orElseThrow(() -> CliException.error("no context '" + name + "' in " + path));
      Config.save(path, Config.with(doc, ctx, true));
      config.root.out.println("current context: " + name);
      return 0;
    }
  }

  @Command(name = "current-context", description = "Print the current context's name.")
  static final class CurrentContext implements Callable<Integer> {
    @ParentCommand ConfigCommand config;

    @Override
    public Integer call() {
      String name = Config.load(Config.path(config.root.env)).currentContext();
      if (name == null) {
        throw CliException.error("no current context (patchwave login)");
      }
      config.root.out.println(name);
      return 0;
    }
  }
}
