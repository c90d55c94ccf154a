package dev.patchwave.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code patchwave}: the controller's REST API from a terminal or a script (docs/cli.md). Where it
 * connects and with which token: {@code --server} and {@code --token-file}, else {@code
 * PATCHWAVE_SERVER} and {@code PATCHWAVE_TOKEN}, else the current context of the config file
 * ({@code patchwave login}).
 */
@Command(
    name = "patchwave",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Patchwave: host patch rollouts in canary waves, from the command line.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:an error (bad input, cannot connect, the controller failed)",
      "2:the API refused (invalid, not allowed, conflict, not found)",
      "3:the rollout halted or was aborted (watch, describe)"
    },
    subcommands = {
      LoginCommands.Login.class,
      LoginCommands.ConfigCommand.class,
      ReadCommands.Get.class,
      ReadCommands.Describe.class,
      PolicyCommands.Plan.class,
      PolicyCommands.Apply.class,
      PolicyCommands.Diff.class,
      SimulateCommand.class,
      RolloutCommands.Start.class,
      RolloutCommands.Watch.class,
      RolloutCommands.Pause.class,
      RolloutCommands.Resume.class,
      RolloutCommands.Abort.class,
      RolloutCommands.Approve.class,
      QuarantineCommands.class,
      Main.Completion.class
    })
public final class Main {

  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      description = "the controller's URL (else PATCHWAVE_SERVER, else the context's)")
  String server;

  @Option(
      names = "--context",
      scope = ScopeType.INHERIT,
      description = "the context of the config file to use (else its current one)")
  String context;

  @Option(
      names = "--token-file",
      scope = ScopeType.INHERIT,
      description = "a file holding the API token (else PATCHWAVE_TOKEN, else the context's)")
  Path tokenFile;

  @Option(
      names = {"-o", "--output"},
      scope = ScopeType.INHERIT,
      defaultValue = "table",
      description = "table, json or yaml (default: ${DEFAULT-VALUE})")
  Output.Format output;

  @Option(
      names = "--timeout",
      scope = ScopeType.INHERIT,
      defaultValue = "30s",
      description = "how long one call may take (default: ${DEFAULT-VALUE})")
  String timeout;

  final Map<String, String> env;
  final InputStream in;
  final PrintWriter out;
  final PrintWriter err;

  Main(Map<String, String> env, InputStream in, PrintWriter out, PrintWriter err) {
    this.env = env;
    this.in = in;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(args, System.getenv(), System.in, out, err));
  }

  /** Runs one command line; the exit code as {@link CliException} defines them. */
  static int run(
      String[] args, Map<String, String> env, InputStream in, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main(env, in, out, err));
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parsed) -> {
          if (e instanceof CliException c) {
            err.println("patchwave: " + c.getMessage());
            return c.exitCode;
          }
          err.println("patchwave: " + e);
          return CliException.ERROR;
        });
    cli.setParameterExceptionHandler(
        (e, a) -> {
          err.println("patchwave: " + e.getMessage());
          e.getCommandLine().usage(err);
          return CliException.ERROR;
        });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The API client for the resolved server and token. */
  Api api() {
    Config.Document doc = Config.load(Config.path(env));
    Config.Context ctx = context(doc);
    String url = firstOf(server, env.get("PATCHWAVE_SERVER"), ctx == null ? null : ctx.server());
    if (url == null) {
      throw CliException.error(
          "no controller: give --server, set PATCHWAVE_SERVER, or run 'patchwave login'");
    }
    URI uri = serverUri(url);
    String token = token(ctx);
    if ("http".equals(uri.getScheme()) && !isLoopback(uri.getHost())) {
      err.println(
          "patchwave: warning: the token goes to " + uri.getHost() + " over plain HTTP; use https");
    }
    return new Api(uri, token, duration(timeout, "--timeout"));
  }

  private Config.Context context(Config.Document doc) {
    String name = firstOf(context, env.get("PATCHWAVE_CONTEXT"), doc.currentContext());
    if (name == null) {
      return null;
    }
    return Config.find(doc, name)
        .orElseThrow(
            () ->
                CliException.error(
                    "no context '" + name + "' in " + Config.path(env) + " (patchwave login)"));
  }

  private String token(Config.Context ctx) {
    if (tokenFile != null) {
      return readToken(tokenFile);
    }
    String fromEnv = env.get("PATCHWAVE_TOKEN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    if (ctx != null) {
      if (ctx.oidcIssuer() != null) {
        return new OidcLogin(duration(timeout, "--timeout")).fresh(ctx, Config.path(env));
      }
      if (ctx.tokenEnv() != null) {
        String v = env.get(ctx.tokenEnv());
        if (v == null || v.isBlank()) {
          throw CliException.error(
              "context '" + ctx.name() + "' reads its token from $" + ctx.tokenEnv() + ", unset");
        }
        return v.strip();
      }
      if (ctx.tokenFile() != null) {
        return readToken(Path.of(ctx.tokenFile()));
      }
      if (ctx.token() != null) {
        return ctx.token();
      }
    }
    throw CliException.error(
        "no token: give --token-file, set PATCHWAVE_TOKEN, or run 'patchwave login'");
  }

  static String readToken(Path file) {
    try {
      String t = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (t.isEmpty()) {
        throw CliException.error(file + " is empty; it should hold the API token");
      }
      return t;
    } catch (IOException e) {
      throw CliException.error("cannot read the token file " + file + ": " + e.getMessage());
    }
  }

  static URI serverUri(String url) {
    try {
      URI uri = URI.create(url.strip());
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw CliException.error("--server must be an http or https URL, found '" + url + "'");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw CliException.error("--server must be an http or https URL, found '" + url + "'");
    }
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  static Duration duration(String text, String option) {
    Matcher m = DURATION.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw CliException.error(option + " takes a duration such as 500ms, 30s, 5m or 1h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  @SafeVarargs
  private static <T> T firstOf(T... values) {
    for (T v : values) {
      if (v != null && !(v instanceof String s && s.isBlank())) {
        return v;
      }
    }
    return null;
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"patchwave " + (v == null ? "(development build)" : v)};
    }
  }

  /** Prints a bash/zsh completion script: {@code source <(patchwave completion)}. */
  @Command(
      name = "completion",
      description = "Print the bash (and zsh) completion script: source <(patchwave completion)")
  static final class Completion implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine()
          .getOut()
          .print(picocli.AutoComplete.bash("patchwave", spec.root().commandLine()));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
