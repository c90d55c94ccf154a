package dev.patchwave.policy;

import dev.patchwave.doc.Node;
import dev.patchwave.doc.Problem;
import dev.patchwave.policy.RolloutPolicy.CheckSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The commands and endpoints health checks may use, from the controller's configuration ({@code
 * patchwave.checks.file}), never writable through the API (ADR 14). A policy refers to them by
 * name; a free-form command or URL in a policy is refused unless {@code allowInline}, because a
 * policy author who may write one runs any command on every host the policy selects and makes the
 * controller fetch any URL it can reach.
 *
 * @param ssh SSH check commands by name
 * @param http HTTP probe targets by name
 * @param prometheus Prometheus datasources by name ({@value #DEFAULT_DATASOURCE}: the one a check
 *     without {@code datasource} uses)
 * @param allowInline whether policies may hold their own commands and URLs ({@value #ALLOW_INLINE})
 */
public record CheckCatalogue(
    Map<String, SshCommand> ssh,
    Map<String, HttpTarget> http,
    Map<String, Datasource> prometheus,
    boolean allowInline) {

  public static final String ALLOW_INLINE = "patchwave.checks.allow-inline";
  public static final String DEFAULT_DATASOURCE = "default";

  public static final CheckCatalogue EMPTY =
      new CheckCatalogue(Map.of(), Map.of(), Map.of(), false);

  public CheckCatalogue {
    ssh = Map.copyOf(ssh);
    http = Map.copyOf(http);
    prometheus = Map.copyOf(prometheus);
  }

  /**
   * A command a check may run. Its words may hold {@code ${host.name}} and {@code ${host.address}};
   * a policy adds exactly {@code args.size()} arguments, the i-th matching {@code args[i]} whole.
   * With {@code output}, the first line of what the command printed (printable ASCII, at most
   * {@value #OUTPUT_CHARS} characters) goes into the check's result; otherwise only its exit status
   * does.
   */
  public record SshCommand(String name, List<String> command, List<Pattern> args, boolean output) {
    public static final int OUTPUT_CHARS = 120;

    public SshCommand {
      command = List.copyOf(command);
      args = List.copyOf(args);
    }
  }

  /**
   * A URL a probe may GET; it may hold {@code ${host.name}} and {@code ${host.address}} (the host
   * under check) or name a fixed endpoint.
   */
  public record HttpTarget(String name, String url) {}

  /**
   * A Prometheus server: its base URL, and optionally a file holding a bearer token (read at each
   * query, so that a rotated token is used at once) and a PEM file of the certificates its TLS
   * certificate must chain to (otherwise the JDK's trust store).
   */
  public record Datasource(
      String name, String url, Optional<String> bearerTokenFile, Optional<String> caFile) {}

  /** This catalogue, with {@code allowInline} as given. */
  public CheckCatalogue allowingInline(boolean allow) {
    return new CheckCatalogue(ssh, http, prometheus, allow);
  }

  /**
   * This catalogue with datasource {@value #DEFAULT_DATASOURCE} at {@code url}, unless it has one.
   */
  public CheckCatalogue withDefaultDatasource(Optional<String> url) {
    if (url.isEmpty() || prometheus.containsKey(DEFAULT_DATASOURCE)) {
      return this;
    }
    Map<String, Datasource> all = new LinkedHashMap<>(prometheus);
    all.put(
        DEFAULT_DATASOURCE,
        new Datasource(DEFAULT_DATASOURCE, url.get(), Optional.empty(), Optional.empty()));
    return new CheckCatalogue(ssh, http, all, allowInline);
  }

  /** Whether {@code check} holds its own command or URL rather than naming a catalogue entry. */
  public static boolean isInline(CheckSpec check) {
    return check instanceof RolloutPolicy.SshCheck s && s.check().isEmpty()
        || check instanceof RolloutPolicy.HttpCheck h && h.url().isPresent()
        || check instanceof RolloutPolicy.PrometheusCheck p && p.url().isPresent();
  }

  /** Where a policy leaves the catalogue, and why. */
  public record Refusal(String path, String message) {}

  /** Every check of {@code policy} that is not in this catalogue or not allowed. */
  public List<Refusal> check(RolloutPolicy policy) {
    List<Refusal> out = new ArrayList<>();
    List<CheckSpec> checks = policy.spec().health().checks();
    for (int i = 0; i < checks.size(); i++) {
      String at = "spec.health.checks[" + i + "]";
      CheckSpec c = checks.get(i);
      if (c instanceof RolloutPolicy.SshCheck s) {
        ssh(s, at + ".ssh", out);
      } else if (c instanceof RolloutPolicy.HttpCheck h) {
        if (h.target().isPresent()) {
          known(h.target().get(), http, "HTTP target", at + ".http.target", out);
        } else if (!allowInline) {
          out.add(new Refusal(at + ".http.url", inline("a URL", "http: {target: NAME}")));
        }
      } else if (c instanceof RolloutPolicy.PrometheusCheck p) {
        if (p.datasource().isPresent()) {
          known(p.datasource().get(), prometheus, "Prometheus datasource", at + ".prometheus", out);
        } else if (p.url().isPresent() && !allowInline) {
          out.add(
              new Refusal(
                  at + ".prometheus.url", inline("a URL", "prometheus: {datasource: NAME}")));
        }
      }
    }
    return out;
  }

  private void ssh(RolloutPolicy.SshCheck s, String at, List<Refusal> out) {
    if (s.check().isEmpty()) {
      if (!allowInline) {
        out.add(new Refusal(at + ".command", inline("a command", "ssh: {check: NAME}")));
      }
      return;
    }
    SshCommand entry = ssh.get(s.check().get());
    if (entry == null) {
      known(s.check().get(), ssh, "SSH check", at + ".check", out);
      return;
    }
    if (s.argv().size() != entry.args().size()) {
      out.add(
          new Refusal(
              at + ".args",
              "SSH check '"
                  + entry.name()
                  + "' takes "
                  + entry.args().size()
                  + " argument(s), found "
                  + s.argv().size()));
      return;
    }
    for (int i = 0; i < s.argv().size(); i++) {
      Pattern p = entry.args().get(i);
      if (!p.matcher(s.argv().get(i)).matches()) {
        out.add(
            new Refusal(
                at + ".args[" + i + "]",
                "'"
                    + abbreviate(s.argv().get(i))
                    + "' is not an argument SSH check '"
                    + entry.name()
                    + "' takes here (expected "
                    + p.pattern()
                    + ")"));
      }
    }
  }

  private static void known(
      String name, Map<String, ?> entries, String what, String at, List<Refusal> out) {
    if (!entries.containsKey(name)) {
      out.add(
          new Refusal(
              at,
              "unknown "
                  + what
                  + " '"
                  + abbreviate(name)
                  + "'; the check catalogue has "
                  + (entries.isEmpty()
                      ? "none"
                      : String.join(", ", new TreeSet<>(entries.keySet())))
                  + " (patchwave.checks.file)"));
    }
  }

  private static String inline(String what, String instead) {
    return "a policy may not hold "
        + what
        + " of its own (it would run on, or be fetched from, every selected host with the"
        + " controller's rights); name one from the check catalogue ("
        + instead
        + ") or set "
        + ALLOW_INLINE
        + "=true";
  }

  private static String abbreviate(String s) {
    return dev.patchwave.doc.Binder.abbreviate(s);
  }

  /** The refusals as located problems of the policy document {@code root}. */
  public static List<Problem> problems(List<Refusal> refusals, Node root) {
    return refusals.stream()
        .map(r -> new Problem(r.path(), Guardrails.locate(root, r.path()), r.message()))
        .toList();
  }
}
