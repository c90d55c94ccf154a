package dev.patchwave.policy;

import static dev.patchwave.doc.Binder.child;
import static dev.patchwave.doc.Binder.index;

import dev.patchwave.doc.Binder;
import dev.patchwave.doc.Binder.Fields;
import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.DocumentParser;
import dev.patchwave.doc.Node;
import dev.patchwave.doc.Node.ScalarNode;
import dev.patchwave.doc.Node.ScalarType;
import dev.patchwave.policy.RolloutPolicy.Approval;
import dev.patchwave.policy.RolloutPolicy.BuiltinCheck;
import dev.patchwave.policy.RolloutPolicy.Canary;
import dev.patchwave.policy.RolloutPolicy.CheckSpec;
import dev.patchwave.policy.RolloutPolicy.Disruption;
import dev.patchwave.policy.RolloutPolicy.Failure;
import dev.patchwave.policy.RolloutPolicy.Health;
import dev.patchwave.policy.RolloutPolicy.Kubernetes;
import dev.patchwave.policy.RolloutPolicy.Metadata;
import dev.patchwave.policy.RolloutPolicy.PackageOrigin;
import dev.patchwave.policy.RolloutPolicy.Packages;
import dev.patchwave.policy.RolloutPolicy.RebootMode;
import dev.patchwave.policy.RolloutPolicy.Spec;
import dev.patchwave.policy.RolloutPolicy.Trigger;
import dev.patchwave.policy.RolloutPolicy.Wave;
import dev.patchwave.policy.Selector.Operator;
import dev.patchwave.policy.Selector.Requirement;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@link RolloutPolicy} from YAML or JSON text.
 *
 * <p>Contract: either returns a fully valid policy with every default filled in, or throws a {@link
 * DocumentException} listing every problem of the document (field path, line, column, what was
 * expected). Unknown fields are problems. Pure and thread-safe.
 *
 * <p>{@link #FIELDS} lists the accepted keys of every object of the language; the shipped JSON
 * Schema is tested against it.
 */
public final class PolicyReader {

  /** Accepted keys of each object, by its path in the language ({@code []} marks list items). */
  public static final Map<String, Set<String>> FIELDS = fields();

  static final Duration MIN_HEALTH_INTERVAL = Duration.ofSeconds(5);
  static final int MAX_WAVES = 50;
  static final int MAX_CHECKS = 50;
  private static final Pattern SIZE_PERCENT = Pattern.compile("(\\d{1,3})%");
  private static final Pattern CLOCK = Pattern.compile("([01]\\d|2[0-4]):([0-5]\\d)");
  private static final Pattern CONDITION_TYPE = Pattern.compile("[A-Z][A-Za-z0-9]{0,62}");
  private static final Pattern ARG = Pattern.compile("[^\\x00]{1,4096}");
  private static final String ARG_WHAT = "a command argument (no NUL characters)";
  private static final Pattern TEXT = Names.ONE_LINE;

  private static final Map<String, PackageOrigin> ORIGINS =
      Binder.words(PackageOrigin.values(), o -> o.word);
  private static final Map<String, RebootMode> REBOOTS =
      Binder.words(RebootMode.values(), r -> r.word);
  private static final Map<String, Approval> APPROVALS =
      Binder.words(Approval.values(), a -> a.word);
  private static final Map<String, BuiltinCheck> BUILTINS =
      Binder.words(BuiltinCheck.values(), c -> c.word);
  private static final Map<String, Operator> OPERATORS =
      Binder.words(Operator.values(), o -> o.word);
  private static final Map<String, DayOfWeek> DAYS = days();

  private PolicyReader() {}

  public static RolloutPolicy read(String text) throws DocumentException {
    return bind(DocumentParser.parse(text));
  }

  public static RolloutPolicy read(String text, DocumentParser.Format format)
      throws DocumentException {
    return bind(DocumentParser.parse(text, format));
  }

  /** Binds an already parsed document. */
  public static RolloutPolicy bind(Node root) throws DocumentException {
    Binder b = new Binder();
    RolloutPolicy policy = new PolicyReader.Run(b).policy(root);
    b.throwIfProblems();
    return policy;
  }

  /** One reading; holds the binder so the helpers stay short. */
  private static final class Run {
    private final Binder b;

    Run(Binder b) {
      this.b = b;
    }

    RolloutPolicy policy(Node root) {
      Fields f = b.object(root, "", FIELDS.get(""));
      if (f == null) {
        return null;
      }
      String apiVersion = f.readRequired("apiVersion", b::string);
      if (apiVersion != null && !apiVersion.equals(RolloutPolicy.API_VERSION)) {
        b.problem(
            "apiVersion",
            f.get("apiVersion").location(),
            "expected '"
                + RolloutPolicy.API_VERSION
                + "', found '"
                + Binder.abbreviate(apiVersion)
                + "'");
      }
      String kind = f.readRequired("kind", b::string);
      if (kind != null && !kind.equals(RolloutPolicy.KIND)) {
        b.problem(
            "kind",
            f.get("kind").location(),
            "expected '" + RolloutPolicy.KIND + "', found '" + Binder.abbreviate(kind) + "'");
      }
      Metadata metadata = f.readRequired("metadata", this::metadata);
      Spec spec = f.readRequired("spec", this::spec);
      return metadata == null || spec == null ? null : new RolloutPolicy(metadata, spec);
    }

    Metadata metadata(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("metadata"));
      if (f == null) {
        return null;
      }
      String name =
          f.readRequired(
              "name", (v, p) -> b.matching(v, p, Names.OBJECT_NAME, Names.OBJECT_NAME_WHAT));
      Map<String, String> labels = f.read("labels", Map.of(), this::labels);
      Map<String, String> annotations =
          f.read(
              "annotations",
              Map.of(),
              (v, p) ->
                  b.stringMap(
                      v, p, Names.LABEL_KEY, Names.LABEL_KEY_WHAT, TEXT, Names.ONE_LINE_WHAT));
      return name == null ? null : new Metadata(name, labels, annotations);
    }

    Map<String, String> labels(Node n, String path) {
      return b.stringMap(
          n,
          path,
          Names.LABEL_KEY,
          Names.LABEL_KEY_WHAT,
          Names.LABEL_VALUE,
          Names.LABEL_VALUE_WHAT);
    }

    Spec spec(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec"));
      if (f == null) {
        return null;
      }
      Selector selector = f.readRequired("selector", this::selector);
      Packages packages = f.read("packages", Packages.DEFAULT, this::packages);
      RolloutPolicy.Reboot reboot = f.read("reboot", RolloutPolicy.Reboot.DEFAULT, this::reboot);
      Disruption disruption = f.read("disruption", Disruption.DEFAULT, this::disruption);
      Canary canary = f.read("canary", Canary.DEFAULT, this::canary);
      List<Wave> waves = f.readRequired("waves", this::waves);
      Health health = f.read("health", defaultHealth(), this::health);
      Failure failure = f.read("failure", Failure.DEFAULT, this::failure);
      List<MaintenanceWindow> windows = f.read("windows", List.of(), this::windows);
      List<Blackout> blackouts = f.read("blackouts", List.of(), this::blackouts);
      Kubernetes kubernetes = f.read("kubernetes", Kubernetes.DEFAULT, this::kubernetes);
      Trigger trigger = f.read("trigger", null, this::trigger);
      boolean adopt = f.read("adopt", false, b::bool);
      if (selector == null || waves == null) {
        return null;
      }
      if (health.timeout().compareTo(health.interval()) < 0) {
        b.problem(
            child(path, "health.timeout"),
            f.get("health") == null ? f.location() : f.get("health").location(),
            "timeout ("
                + Binder.formatDuration(health.timeout())
                + ") must not be shorter than interval ("
                + Binder.formatDuration(health.interval())
                + ")");
      }
      return new Spec(
          selector,
          packages,
          reboot,
          disruption,
          canary,
          waves,
          health,
          failure,
          windows,
          blackouts,
          kubernetes,
          Optional.ofNullable(trigger),
          adopt);
    }

    Trigger trigger(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.trigger"));
      if (f == null) {
        return null;
      }
      String schedule =
          f.readRequired(
              "schedule",
              (v, p) -> {
                String s = b.string(v, p);
                if (s == null) {
                  return null;
                }
                Optional<String> why = CronGrammar.problem(s);
                if (why.isPresent()) {
                  b.problem(p, v.location(), "not a Quartz cron expression: " + why.get());
                  return null;
                }
                return s.strip();
              });
      ZoneId zone = f.read("timeZone", ZoneOffset.UTC, this::zone);
      Duration min = f.read("minPackageAge", Trigger.DEFAULT_MIN_PACKAGE_AGE, b::duration);
      Duration max = f.read("maxPackageAge", null, b::duration);
      if (min != null && max != null && max.compareTo(min) <= 0) {
        b.problem(
            child(path, "maxPackageAge"),
            f.get("maxPackageAge").location(),
            "maxPackageAge ("
                + Binder.formatDuration(max)
                + ") must be longer than minPackageAge ("
                + Binder.formatDuration(min)
                + ")");
      }
      if (schedule == null || zone == null || min == null) {
        return null;
      }
      return new Trigger(schedule, zone, min, Optional.ofNullable(max));
    }

    Selector selector(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.selector"));
      if (f == null) {
        return null;
      }
      Map<String, String> matchLabels = f.read("matchLabels", Map.of(), this::labels);
      List<Requirement> expressions = f.read("matchExpressions", List.of(), this::requirements);
      return new Selector(matchLabels, expressions);
    }

    List<Requirement> requirements(Node n, String path) {
      List<Node> items = b.list(n, path);
      if (items == null) {
        return null;
      }
      List<Requirement> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String p = index(path, i);
        Fields f = b.object(items.get(i), p, FIELDS.get("spec.selector.matchExpressions[]"));
        if (f == null) {
          continue;
        }
        String key =
            f.readRequired(
                "key", (v, q) -> b.matching(v, q, Names.LABEL_KEY, Names.LABEL_KEY_WHAT));
        Operator op = f.readRequired("operator", (v, q) -> b.choice(v, q, OPERATORS));
        List<String> values =
            f.read(
                "values",
                List.of(),
                (v, q) -> b.stringList(v, q, Names.LABEL_VALUE, Names.LABEL_VALUE_WHAT));
        if (op == Operator.IN || op == Operator.NOT_IN) {
          if (values.isEmpty()) {
            b.problem(
                child(p, "values"),
                f.location(),
                "operator " + op.word + " needs at least one value");
          }
        } else if (op != null && f.has("values")) {
          b.problem(
              child(p, "values"),
              f.get("values").location(),
              "operator " + op.word + " takes no values");
        }
        if (key != null && op != null) {
          out.add(new Requirement(key, op, new LinkedHashSet<>(values)));
        }
      }
      return out;
    }

    Packages packages(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.packages"));
      if (f == null) {
        return null;
      }
      PackageOrigin origin =
          f.read("origin", PackageOrigin.SECURITY, (v, p) -> b.choice(v, p, ORIGINS));
      List<String> include = f.read("include", List.of("*"), this::globs);
      List<String> exclude = f.read("exclude", List.of(), this::globs);
      if (f.has("include") && include.isEmpty()) {
        b.problem(
            f.path("include"),
            f.get("include").location(),
            "include must name at least one package or glob (leave it out to include every package)");
      }
      return new Packages(origin, include, exclude);
    }

    List<String> globs(Node n, String path) {
      return b.stringList(n, path, Names.PACKAGE_GLOB, Names.PACKAGE_GLOB_WHAT);
    }

    Disruption disruption(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.disruption"));
      if (f == null) {
        return null;
      }
      List<String> groupBy = f.read("groupBy", List.of(), this::labelKeys);
      int perGroup = f.read("maxUnavailablePerGroup", 1, (v, p) -> b.integer(v, p, 1, 100_000));
      Amount fleet =
          f.read(
              "maxUnavailable",
              Amount.count(1),
              (v, p) -> amount(v, p, "a host count (1 or more) or a percentage such as 10%"));
      return new Disruption(groupBy, perGroup, fleet);
    }

    List<String> labelKeys(Node n, String path) {
      List<String> keys = b.stringList(n, path, Names.LABEL_KEY, Names.LABEL_KEY_WHAT);
      if (keys != null) {
        b.unique(keys, path, n.location(), "label key");
      }
      return keys;
    }

    Canary canary(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.canary"));
      if (f == null) {
        return null;
      }
      return new Canary(f.read("coverBy", List.of(), this::labelKeys));
    }

    List<Wave> waves(Node n, String path) {
      List<Node> items = b.list(n, path);
      if (items == null) {
        return null;
      }
      if (items.isEmpty()) {
        b.problem(
            path, n.location(), "at least one wave is required; the last must have size 100%");
        return null;
      }
      if (items.size() > MAX_WAVES) {
        b.problem(path, n.location(), "at most " + MAX_WAVES + " waves are allowed");
        return null;
      }
      List<Wave> waves = new ArrayList<>();
      int lastPercent = 0;
      String lastPercentPath = null;
      boolean complete = true;
      for (int i = 0; i < items.size(); i++) {
        String p = index(path, i);
        Fields f = b.object(items.get(i), p, FIELDS.get("spec.waves[]"));
        if (f == null) {
          complete = false;
          continue;
        }
        String name =
            f.read(
                "name",
                "wave-" + (i + 1),
                (v, q) -> b.matching(v, q, Names.OBJECT_NAME, Names.OBJECT_NAME_WHAT));
        Amount size =
            f.readRequired(
                "size",
                (v, q) ->
                    amount(
                        v, q, "a host count (1 or more) or a cumulative percentage such as 25%"));
        Duration soak = f.read("soak", Duration.ZERO, b::duration);
        Approval approval = f.read("approval", Approval.AUTO, (v, q) -> b.choice(v, q, APPROVALS));
        if (size == null) {
          complete = false;
          continue;
        }
        if (size.percent()) {
          if (size.value() <= lastPercent) {
            b.problem(
                child(p, "size"),
                f.get("size").location(),
                "wave sizes must grow: "
                    + size
                    + " is not larger than "
                    + lastPercent
                    + "% at "
                    + lastPercentPath);
          }
          lastPercent = Math.max(lastPercent, size.value());
          lastPercentPath = child(p, "size");
        }
        boolean last = i == items.size() - 1;
        if (last && !(size.percent() && size.value() == 100)) {
          b.problem(
              child(p, "size"),
              f.get("size").location(),
              "the last wave must reach every selected host: its size must be 100%, found " + size);
        }
        if (!last && size.percent() && size.value() == 100) {
          b.problem(
              child(p, "size"),
              f.get("size").location(),
              "only the last wave may have size 100% (waves after it would be empty)");
        }
        waves.add(new Wave(name, size, soak, approval));
      }
      b.unique(waves.stream().map(Wave::name).toList(), path, n.location(), "wave name");
      return complete ? waves : null;
    }

    /**
     * {@code ifRequired} (when, with a trial boot of new kernels), or {@code {when, trial,
     * panicTimeout, panicOnHang}}.
     */
    RolloutPolicy.Reboot reboot(Node n, String path) {
      if (n instanceof ScalarNode) {
        RebootMode when = b.choice(n, path, REBOOTS);
        return when == null ? null : RolloutPolicy.Reboot.of(when);
      }
      Fields f = b.object(n, path, FIELDS.get("spec.reboot"));
      if (f == null) {
        return null;
      }
      RebootMode when = f.read("when", RebootMode.IF_REQUIRED, (v, p) -> b.choice(v, p, REBOOTS));
      Boolean trial = f.read("trial", true, b::bool);
      Duration panic =
          f.read("panicTimeout", RolloutPolicy.Reboot.DEFAULT_PANIC_TIMEOUT, b::duration);
      Boolean onHang = f.read("panicOnHang", false, b::bool);
      Integer cycles =
          f.read(
              "powerCycles",
              RolloutPolicy.Reboot.DEFAULT_POWER_CYCLES,
              (v, p) -> b.integer(v, p, 0, 3));
      if (panic != null
          && (panic.compareTo(Duration.ofSeconds(5)) < 0
              || panic.compareTo(Duration.ofMinutes(10)) > 0)) {
        b.problem(
            child(path, "panicTimeout"),
            f.get("panicTimeout").location(),
            "panicTimeout must be from 5s to 10m, found "
                + Binder.formatDuration(panic)
                + " (how long a panicking kernel waits before it reboots)");
        return null;
      }
      if (when == null || trial == null || panic == null || onHang == null || cycles == null) {
        return null;
      }
      return new RolloutPolicy.Reboot(when, trial, panic, onHang, cycles);
    }

    /** {@code 3} (a count) or {@code "25%"} (a percentage from 1 to 100). */
    Amount amount(Node n, String path, String what) {
      if (n instanceof ScalarNode s && s.type() == ScalarType.INTEGER) {
        Integer v = b.integer(n, path, 1, 1_000_000);
        return v == null ? null : Amount.count(v);
      }
      if (n instanceof ScalarNode s && s.type() == ScalarType.STRING) {
        Matcher m = SIZE_PERCENT.matcher(s.text());
        if (m.matches()) {
          int p = Integer.parseInt(m.group(1));
          if (p >= 1 && p <= 100) {
            return Amount.percent(p);
          }
          b.problem(path, n.location(), "a percentage must be from 1% to 100%, found " + s.text());
          return null;
        }
      }
      b.problem(
          path,
          n.location(),
          "expected "
              + what
              + ", found "
              + n.kindName()
              + (n instanceof ScalarNode s ? " '" + Binder.abbreviate(s.text()) + "'" : ""));
      return null;
    }

    Health health(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.health"));
      if (f == null) {
        return null;
      }
      Health defaults = defaultHealth();
      Duration interval = f.read("interval", defaults.interval(), b::duration);
      if (interval.compareTo(MIN_HEALTH_INTERVAL) < 0) {
        b.problem(
            child(path, "interval"),
            f.get("interval").location(),
            "interval must be at least " + Binder.formatDuration(MIN_HEALTH_INTERVAL));
      }
      Duration timeout = f.read("timeout", defaults.timeout(), b::duration);
      List<CheckSpec> checks = f.read("checks", defaults.checks(), this::checks);
      if (f.has("checks")
          && checks != null
          && checks.isEmpty()
          && f.get("checks") instanceof dev.patchwave.doc.Node.ListNode given
          && given.items().isEmpty()) {
        b.problem(
            child(path, "checks"),
            f.get("checks").location(),
            "at least one check is required (leave checks out for the built-in defaults)");
      }
      return new Health(interval, timeout, checks == null ? List.of() : checks);
    }

    List<CheckSpec> checks(Node n, String path) {
      List<Node> items = b.list(n, path);
      if (items == null) {
        return null;
      }
      if (items.size() > MAX_CHECKS) {
        b.problem(path, n.location(), "at most " + MAX_CHECKS + " checks are allowed");
        return null;
      }
      List<CheckSpec> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        CheckSpec c = check(items.get(i), index(path, i));
        if (c != null) {
          out.add(c);
        }
      }
      b.unique(out.stream().map(CheckSpec::name).toList(), path, n.location(), "check name");
      return out;
    }

    CheckSpec check(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.health.checks[]"));
      if (f == null) {
        return null;
      }
      List<String> kinds =
          List.of("builtin", "ssh", "http", "prometheus", "nodeCondition").stream()
              .filter(f::has)
              .toList();
      if (kinds.size() != 1) {
        b.problem(
            path,
            f.location(),
            "a check has exactly one of builtin, ssh, http, prometheus, nodeCondition"
                + (kinds.isEmpty() ? "; found none" : "; found " + String.join(", ", kinds)));
        return null;
      }
      String kind = kinds.get(0);
      String given =
          f.read(
              "name", null, (v, p) -> b.matching(v, p, Names.OBJECT_NAME, Names.OBJECT_NAME_WHAT));
      String p = child(path, kind);
      Node body = f.get(kind);
      return switch (kind) {
        case "builtin" -> {
          BuiltinCheck c = b.choice(body, p, BUILTINS);
          yield c == null ? null : new RolloutPolicy.Builtin(given != null ? given : c.word, c);
        }
        case "ssh" -> sshCheck(body, p, given);
        case "http" -> httpCheck(body, p, given);
        case "nodeCondition" -> nodeConditionCheck(body, p, given);
        default -> prometheusCheck(body, p, given);
      };
    }

    CheckSpec sshCheck(Node n, String path, String name) {
      Fields f = b.object(n, path, FIELDS.get("spec.health.checks[].ssh"));
      if (f == null) {
        return null;
      }
      if (f.has("check") == f.has("command")) {
        b.problem(path, f.location(), "an ssh check has exactly one of check, command");
        return null;
      }
      if (f.has("args") && !f.has("check")) {
        b.problem(
            child(path, "args"),
            f.get("args").location(),
            "args go with check (a command of the check catalogue)");
        return null;
      }
      String check =
          f.read(
              "check", null, (v, p) -> b.matching(v, p, Names.OBJECT_NAME, Names.OBJECT_NAME_WHAT));
      List<String> argv =
          f.has("check")
              ? f.read("args", List.of(), (v, p) -> b.stringList(v, p, ARG, ARG_WHAT))
              : f.read("command", null, (v, p) -> b.stringList(v, p, ARG, ARG_WHAT));
      int exit = f.read("expectExit", 0, (v, p) -> b.integer(v, p, 0, 255));
      Duration timeout = f.read("timeout", Duration.ofSeconds(30), b::duration);
      if (!f.has("check") && argv != null && argv.isEmpty()) {
        b.problem(child(path, "command"), f.get("command").location(), "command must not be empty");
        return null;
      }
      if (argv == null || f.has("check") && check == null) {
        return null;
      }
      return new RolloutPolicy.SshCheck(
          name != null ? name : check != null ? check : "ssh-" + slug(argv.get(0)),
          Optional.ofNullable(check),
          argv,
          exit,
          timeout);
    }

    CheckSpec httpCheck(Node n, String path, String name) {
      Fields f = b.object(n, path, FIELDS.get("spec.health.checks[].http"));
      if (f == null) {
        return null;
      }
      if (f.has("target") == f.has("url")) {
        b.problem(path, f.location(), "an http check has exactly one of target, url");
        return null;
      }
      String target =
          f.read(
              "target",
              null,
              (v, p) -> b.matching(v, p, Names.OBJECT_NAME, Names.OBJECT_NAME_WHAT));
      String url = f.read("url", null, (v, p) -> HostUrls.url(b, v, p, true));
      int status = f.read("expectStatus", 200, (v, p) -> b.integer(v, p, 100, 599));
      Duration timeout = f.read("timeout", Duration.ofSeconds(10), b::duration);
      return target == null && url == null
          ? null
          : new RolloutPolicy.HttpCheck(
              name != null ? name : target != null ? target : "http",
              Optional.ofNullable(target),
              Optional.ofNullable(url),
              status,
              timeout);
    }

    CheckSpec nodeConditionCheck(Node n, String path, String name) {
      Fields f = b.object(n, path, FIELDS.get("spec.health.checks[].nodeCondition"));
      if (f == null) {
        return null;
      }
      String type =
          f.readRequired(
              "type",
              (v, p) ->
                  b.matching(
                      v,
                      p,
                      CONDITION_TYPE,
                      "a node condition type such as Ready, DiskPressure or MemoryPressure"));
      String status =
          f.readRequired(
              "status",
              (v, p) ->
                  b.choice(v, p, Map.of("True", "True", "False", "False", "Unknown", "Unknown")));
      return type == null || status == null
          ? null
          : new RolloutPolicy.NodeConditionCheck(
              name != null ? name : "node-" + type.toLowerCase(), type, status);
    }

    CheckSpec prometheusCheck(Node n, String path, String name) {
      Fields f = b.object(n, path, FIELDS.get("spec.health.checks[].prometheus"));
      if (f == null) {
        return null;
      }
      String query =
          f.readRequired(
              "query",
              (v, p) ->
                  b.matching(
                      v,
                      p,
                      Pattern.compile("(?s).{1,4096}"),
                      "a PromQL query of at most 4096 characters"));
      Optional<Double> min = Optional.ofNullable(f.read("min", null, this::number));
      Optional<Double> max = Optional.ofNullable(f.read("max", null, this::number));
      Optional<String> url =
          Optional.ofNullable(f.read("url", null, (v, p) -> HostUrls.url(b, v, p, false)));
      Optional<String> datasource =
          Optional.ofNullable(
              f.read(
                  "datasource",
                  null,
                  (v, p) -> b.matching(v, p, Names.OBJECT_NAME, Names.OBJECT_NAME_WHAT)));
      if (f.has("url") && f.has("datasource")) {
        b.problem(path, f.location(), "a prometheus check has at most one of datasource, url");
      }
      if (min.isEmpty() && max.isEmpty()) {
        b.problem(path, f.location(), "a prometheus check needs min, max or both");
      }
      if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
        b.problem(child(path, "min"), f.get("min").location(), "min is larger than max");
      }
      if (query != null) {
        HostUrls.placeholders(b, query, child(path, "query"), f.get("query"));
      }
      return query == null
          ? null
          : new RolloutPolicy.PrometheusCheck(
              name != null ? name : "prometheus", query, min, max, url, datasource);
    }

    Double number(Node n, String path) {
      if (n instanceof ScalarNode s
          && (s.type() == ScalarType.INTEGER || s.type() == ScalarType.DECIMAL)) {
        try {
          double d = Double.parseDouble(s.text());
          if (Double.isFinite(d)) {
            return d;
          }
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      b.problem(path, n.location(), "expected a number, found " + n.kindName());
      return null;
    }

    Failure failure(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.failure"));
      if (f == null) {
        return null;
      }
      int max = f.read("maxFailedHosts", 0, (v, p) -> b.integer(v, p, 0, 100_000));
      boolean quarantine = f.read("quarantine", true, b::bool);
      return new Failure(max, quarantine);
    }

    List<MaintenanceWindow> windows(Node n, String path) {
      List<Node> items = b.list(n, path);
      if (items == null) {
        return null;
      }
      List<MaintenanceWindow> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String p = index(path, i);
        Fields f = b.object(items.get(i), p, FIELDS.get("spec.windows[]"));
        if (f == null) {
          continue;
        }
        Set<DayOfWeek> days = f.read("days", EnumSet.allOf(DayOfWeek.class), this::days);
        Integer start = f.readRequired("start", (v, q) -> clock(v, q, false));
        Integer end = f.readRequired("end", (v, q) -> clock(v, q, true));
        ZoneId zone = f.read("timeZone", ZoneOffset.UTC, this::zone);
        if (start != null && end != null) {
          if (start.equals(end)) {
            b.problem(
                child(p, "end"),
                f.get("end").location(),
                "end equals start; for a whole day write start: \"00:00\", end: \"24:00\"");
            continue;
          }
          out.add(new MaintenanceWindow(days, start, end, zone));
        }
      }
      return out;
    }

    Set<DayOfWeek> days(Node n, String path) {
      List<Node> items = b.list(n, path);
      if (items == null) {
        return null;
      }
      if (items.isEmpty()) {
        b.problem(
            path, n.location(), "at least one day is required (leave days out for every day)");
        return null;
      }
      Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
      for (int i = 0; i < items.size(); i++) {
        DayOfWeek d = b.choice(items.get(i), index(path, i), DAYS);
        if (d != null && !out.add(d)) {
          b.problem(index(path, i), items.get(i).location(), "day listed twice");
        }
      }
      return out;
    }

    /** Minutes after midnight of "HH:MM"; 24:00 only where {@code end}. */
    Integer clock(Node n, String path, boolean end) {
      String s = b.string(n, path);
      if (s == null) {
        return null;
      }
      Matcher m = CLOCK.matcher(s);
      if (m.matches()) {
        int h = Integer.parseInt(m.group(1));
        int min = Integer.parseInt(m.group(2));
        if (h < 24 || (end && min == 0)) {
          return h * 60 + min;
        }
      }
      b.problem(
          path,
          n.location(),
          "expected a time \"HH:MM\" from 00:00 to "
              + (end ? "24:00" : "23:59")
              + " (quote it in YAML), found '"
              + Binder.abbreviate(s)
              + "'");
      return null;
    }

    ZoneId zone(Node n, String path) {
      String s = b.string(n, path);
      if (s == null) {
        return null;
      }
      try {
        if (s.equals("UTC")) {
          return ZoneOffset.UTC;
        }
        if (!s.contains("/")) {
          throw new DateTimeException("not a region");
        }
        return ZoneId.of(s);
      } catch (DateTimeException e) {
        b.problem(
            path,
            n.location(),
            "expected an IANA time zone such as Europe/Berlin or UTC, found '"
                + Binder.abbreviate(s)
                + "'");
        return null;
      }
    }

    List<Blackout> blackouts(Node n, String path) {
      List<Node> items = b.list(n, path);
      if (items == null) {
        return null;
      }
      List<Blackout> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String p = index(path, i);
        Fields f = b.object(items.get(i), p, FIELDS.get("spec.blackouts[]"));
        if (f == null) {
          continue;
        }
        LocalDate start = f.readRequired("start", this::date);
        LocalDate end = f.readRequired("end", this::date);
        ZoneId zone = f.read("timeZone", ZoneOffset.UTC, this::zone);
        String reason = f.read("reason", "", (v, q) -> b.matching(v, q, TEXT, Names.ONE_LINE_WHAT));
        if (start != null && end != null) {
          if (end.isBefore(start)) {
            b.problem(
                child(p, "end"),
                f.get("end").location(),
                "end " + end + " is before start " + start);
            continue;
          }
          out.add(new Blackout(start, end, zone, reason));
        }
      }
      return out;
    }

    private static final java.util.regex.Pattern DATE =
        java.util.regex.Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

    LocalDate date(Node n, String path) {
      String s = b.string(n, path);
      if (s == null) {
        return null;
      }
      try {
        // four-digit years only: LocalDate also reads '+999999999-12-31', which no clock reaches
        // and which planning cannot turn into an instant
        if (!DATE.matcher(s).matches()) {
          throw new DateTimeParseException("not YYYY-MM-DD", s, 0);
        }
        LocalDate d = LocalDate.parse(s);
        if (d.getYear() < 1970) {
          throw new DateTimeParseException("before 1970", s, 0);
        }
        return d;
      } catch (DateTimeParseException e) {
        b.problem(
            path,
            n.location(),
            "expected a date YYYY-MM-DD from 1970-01-01 to 9999-12-31, found '"
                + Binder.abbreviate(s)
                + "'");
        return null;
      }
    }

    Kubernetes kubernetes(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("spec.kubernetes"));
      if (f == null) {
        return null;
      }
      Kubernetes d = Kubernetes.DEFAULT;
      return new Kubernetes(
          f.read("drain", d.drain(), b::bool),
          f.read("drainTimeout", d.drainTimeout(), b::duration),
          f.read("deleteEmptyDirData", d.deleteEmptyDirData(), b::bool));
    }
  }

  /** The checks a policy gets when it names none. */
  public static Health defaultHealth() {
    return new Health(
        Duration.ofSeconds(30),
        Duration.ofMinutes(15),
        List.of(
            new RolloutPolicy.Builtin("reachable", BuiltinCheck.REACHABLE),
            new RolloutPolicy.Builtin("boot-id-changed", BuiltinCheck.BOOT_ID_CHANGED),
            new RolloutPolicy.Builtin("expected-kernel", BuiltinCheck.EXPECTED_KERNEL),
            new RolloutPolicy.Builtin("system-running", BuiltinCheck.SYSTEM_RUNNING)));
  }

  private static String slug(String command) {
    String base = command.substring(command.lastIndexOf('/') + 1).toLowerCase();
    String s = base.replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
    return s.isEmpty() ? "command" : s.length() > 50 ? s.substring(0, 50) : s;
  }

  private static Map<String, DayOfWeek> days() {
    Map<String, DayOfWeek> m = new LinkedHashMap<>();
    for (DayOfWeek d : DayOfWeek.values()) {
      String name = d.name();
      m.put(name.charAt(0) + name.substring(1, 3).toLowerCase(), d);
    }
    return m;
  }

  private static Map<String, Set<String>> fields() {
    Map<String, Set<String>> m = new LinkedHashMap<>();
    m.put("", Set.of("apiVersion", "kind", "metadata", "spec"));
    m.put("metadata", Set.of("name", "labels", "annotations"));
    m.put(
        "spec",
        Set.of(
            "selector",
            "packages",
            "reboot",
            "disruption",
            "canary",
            "waves",
            "health",
            "failure",
            "windows",
            "blackouts",
            "kubernetes",
            "trigger",
            "adopt"));
    m.put("spec.selector", Set.of("matchLabels", "matchExpressions"));
    m.put("spec.selector.matchExpressions[]", Set.of("key", "operator", "values"));
    m.put("spec.packages", Set.of("origin", "include", "exclude"));
    m.put("spec.reboot", Set.of("when", "trial", "panicTimeout", "panicOnHang", "powerCycles"));
    m.put("spec.disruption", Set.of("groupBy", "maxUnavailablePerGroup", "maxUnavailable"));
    m.put("spec.canary", Set.of("coverBy"));
    m.put("spec.waves[]", Set.of("name", "size", "soak", "approval"));
    m.put("spec.health", Set.of("interval", "timeout", "checks"));
    m.put(
        "spec.health.checks[]",
        Set.of("name", "builtin", "ssh", "http", "prometheus", "nodeCondition"));
    m.put("spec.health.checks[].nodeCondition", Set.of("type", "status"));
    m.put("spec.health.checks[].ssh", Set.of("check", "args", "command", "expectExit", "timeout"));
    m.put("spec.health.checks[].http", Set.of("target", "url", "expectStatus", "timeout"));
    m.put("spec.health.checks[].prometheus", Set.of("query", "min", "max", "datasource", "url"));
    m.put("spec.failure", Set.of("maxFailedHosts", "quarantine"));
    m.put("spec.windows[]", Set.of("days", "start", "end", "timeZone"));
    m.put("spec.blackouts[]", Set.of("start", "end", "timeZone", "reason"));
    m.put("spec.kubernetes", Set.of("drain", "drainTimeout", "deleteEmptyDirData"));
    m.put("spec.trigger", Set.of("schedule", "timeZone", "minPackageAge", "maxPackageAge"));
    return Map.copyOf(m);
  }

  /** The words the language accepts for each enumerated field (for the schema test). */
  public static Map<String, Set<String>> enumerations() {
    return Map.of(
        "spec.packages.origin", ORIGINS.keySet(),
        "spec.reboot", REBOOTS.keySet(),
        "spec.reboot.when", REBOOTS.keySet(),
        "spec.waves[].approval", APPROVALS.keySet(),
        "spec.health.checks[].builtin", BUILTINS.keySet(),
        "spec.health.checks[].nodeCondition.status", Set.of("True", "False", "Unknown"),
        "spec.selector.matchExpressions[].operator", OPERATORS.keySet(),
        "spec.windows[].days[]", DAYS.keySet());
  }
}
