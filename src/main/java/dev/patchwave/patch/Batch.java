package dev.patchwave.patch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Several commands for one host that travel together: over SSH they are one exec request (one round
 * trip, one remote shell) instead of one each. A batch is a list of steps: {@link Run} runs one
 * command's argv; {@link InstallsOnly} is a guard that lets the batch go on only if the step before
 * it exited 0 and its simulated install would install nothing but the allowed versions (it stops
 * the batch otherwise). Steps after a stop are not run, so a batch can hold "simulate, check,
 * install" without a round trip between the check and the install.
 *
 * <p>Over SSH a batch runs as {@code sh -c SCRIPT sh MARKER STEPS...}: {@link #SCRIPT} is fixed
 * text, reviewed once; everything variable (the words of each argv, the allowed versions) arrives
 * as separate arguments and is only ever expanded inside double quotes, never parsed as shell text.
 * {@link #arguments} writes those arguments; {@link #decode} reads them back (test servers do).
 */
public record Batch(Command.Kind kind, List<Step> steps) {

  /** One step of a batch. */
  public sealed interface Step {}

  /** Runs {@code command} (its argv, no standard input). */
  public record Run(Command command) implements Step {
    public Run {
      if (command.stdin().length > 0) {
        throw new IllegalArgumentException("a batch step has no standard input: " + command.kind());
      }
    }
  }

  /**
   * Goes on only if the last command before it exited 0 and every {@code Inst} line it printed
   * (apt's simulation: {@code Inst NAME [INSTALLED] (VERSION ...)}) installs one of {@code
   * allowed}; else the batch stops here, and this step's output is the lines that were not allowed.
   */
  public record InstallsOnly(Set<PackageVersion> allowed) implements Step {
    public InstallsOnly {
      allowed = new TreeSet<>(allowed);
      for (PackageVersion v : allowed) {
        if (!PackageGrammar.isDebianName(v.name())
            || !PackageGrammar.isDebianVersion(v.version())) {
          throw new IllegalArgumentException("refused package version: not in the Debian grammar");
        }
      }
    }
  }

  public Batch {
    steps = List.copyOf(steps);
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    if (!(steps.get(0) instanceof Run)) {
      throw new IllegalArgumentException("a batch starts with a command");
    }
  }

  public static Batch of(Command.Kind kind, Step... steps) {
    return new Batch(kind, List.of(steps));
  }

  /** Each of {@code commands}, one after the other. */
  public static Batch of(Command.Kind kind, Collection<Command> commands) {
    return new Batch(kind, commands.stream().map(c -> (Step) new Run(c)).toList());
  }

  /** How long the whole batch may take: the sum of its commands' timeouts. */
  public Duration timeout() {
    Duration d = Duration.ZERO;
    for (Step s : steps) {
      if (s instanceof Run r) {
        d = d.plus(r.command().timeout());
      }
    }
    return d;
  }

  /**
   * The shell program every batch runs; fixed text. {@code $1} is the marker that ends each step's
   * output (random per run, so no command output can forge it); then the steps, each a type word
   * ({@code run} or {@code only}), a count, and that many words. After each step it prints, on
   * stdout, a newline, the marker and the step's exit status, and on stderr a newline and the
   * marker. An {@code only} step that fails ends the batch.
   */
  public static final String SCRIPT =
      """
      m=$1; shift; o=; r=0; c=; k=0
      while [ "$#" -ge 2 ]; do
        t=$1; n=$2; shift 2
        case $n in ''|*[!0-9]*) exit 125 ;; esac
        [ "$n" -le "$#" ] || exit 125
        case $t in
          run)
            w=; i=1
            while [ "$i" -le "$n" ]; do w="$w \\"\\${$i}\\""; i=$((i + 1)); done
            o=$(eval "$w" < /dev/null; s=$?; printf x; exit "$s"); r=$?; o=${o%x}
            c=$o; k=$r
            shift "$n" ;;
          only)
            a=" "; i=0
            while [ "$i" -lt "$n" ]; do a="$a$1 "; shift; i=$((i + 1)); done
            if [ "$k" -eq 0 ]; then
              o=$(printf '%s' "$c" | awk -v a="$a" '$1 == "Inst" {
                v = $3; if (v ~ /^\\[/) v = $4; sub(/^\\(/, "", v)
                if (index(a, " " $2 "=" v " ") == 0) print }')
              [ -z "$o" ] && r=0 || r=1
            else
              o="the simulation failed (exit $k)"; r=1
            fi ;;
          *) exit 125 ;;
        esac
        printf '%s\\n%s %s\\n' "$o" "$m" "$r"
        printf '\\n%s\\n' "$m" >&2
        if [ "$t" = only ] && [ "$r" -ne 0 ]; then exit 0; fi
      done
      """;

  /** The arguments that follow {@code sh -c SCRIPT sh}; {@code prefix} is put before each argv. */
  public List<String> arguments(String marker, List<String> prefix) {
    List<String> out = new ArrayList<>();
    out.add(marker);
    for (Step s : steps) {
      if (s instanceof Run r) {
        out.add("run");
        out.add(Integer.toString(prefix.size() + r.command().argv().size()));
        out.addAll(prefix);
        out.addAll(r.command().argv());
      } else if (s instanceof InstallsOnly g) {
        out.add("only");
        out.add(Integer.toString(g.allowed().size()));
        g.allowed().forEach(v -> out.add(v.pinned()));
      }
    }
    return out;
  }

  /** The full argv of the batch: {@code sh -c SCRIPT sh} and {@link #arguments}. */
  public List<String> argv(String marker, List<String> prefix) {
    List<String> out = new ArrayList<>(List.of("sh", "-c", SCRIPT, "sh"));
    out.addAll(arguments(marker, prefix));
    return out;
  }

  /** A batch's arguments read back: the marker and the steps as argv lists and guards. */
  public record Decoded(String marker, List<DecodedStep> steps) {}

  /** {@code argv} for a {@code run} step, {@code allowed} (as {@code name=version}) for a guard. */
  public record DecodedStep(boolean guard, List<String> words) {}

  /** Reads {@link #arguments} back; refuses anything that the script would refuse. */
  public static Decoded decode(List<String> args) {
    if (args.isEmpty()) {
      throw new IllegalArgumentException("no marker");
    }
    List<DecodedStep> steps = new ArrayList<>();
    int i = 1;
    while (i + 1 < args.size()) {
      String type = args.get(i);
      int n = Integer.parseInt(args.get(i + 1));
      if (!type.equals("run") && !type.equals("only") || n < 0 || i + 2 + n > args.size()) {
        throw new IllegalArgumentException("malformed batch step at argument " + i);
      }
      steps.add(new DecodedStep(type.equals("only"), List.copyOf(args.subList(i + 2, i + 2 + n))));
      i += 2 + n;
    }
    return new Decoded(args.get(0), steps);
  }

  /**
   * What a guard prints for a simulation's output: its {@code Inst} lines that install a version
   * not in {@code allowed} (as {@code name=version} words); empty when all are allowed. The same
   * reading as the script's awk: fields split on blanks, the version is the first field after the
   * name that is not the installed version in brackets, without its opening parenthesis.
   */
  public static List<String> notAllowed(String simulation, Set<String> allowed) {
    List<String> out = new ArrayList<>();
    for (String line : simulation.split("\n", -1)) {
      String[] f = line.strip().split("[ \t]+");
      if (f.length < 3 || !f[0].equals("Inst")) {
        continue;
      }
      String v = f[2].startsWith("[") ? (f.length > 3 ? f[3] : "") : f[2];
      if (v.startsWith("(")) {
        v = v.substring(1);
      }
      if (!allowed.contains(f[1] + "=" + v)) {
        out.add(line);
      }
    }
    return out;
  }
}
