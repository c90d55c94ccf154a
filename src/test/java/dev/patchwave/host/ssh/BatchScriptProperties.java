package dev.patchwave.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.patch.Batch;
import dev.patchwave.patch.Command;
import dev.patchwave.patch.PackageVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The batch script run by a real {@code sh} (Debian's dash, as on the hosts) gives, step for step,
 * what running the same commands one at a time gives: the same exit codes, the same stdout and
 * stderr byte for byte (whatever the words hold: quotes, {@code $}, backticks, newlines, {@code
 * %}), and the same guard verdicts and stop.
 */
class BatchScriptProperties {

  static final Duration T = Duration.ofSeconds(20);
  static final String MARKER = "--patchwave-0123456789abcdef0123456789abcdef";

  /** Runs argv lists as local processes: the one-at-a-time reference. */
  static final class LocalSession implements HostSession {
    @Override
    public CommandResult run(Command command) throws HostException {
      return exec(command.argv());
    }

    @Override
    public void close() {}
  }

  static CommandResult exec(List<String> argv) {
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      String out = read(p.getInputStream());
      int code = p.waitFor();
      return new CommandResult(code, out, err.join(), false, Duration.ZERO);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<CommandResult> viaScript(Batch batch) {
    CommandResult whole = exec(batch.argv(MARKER, List.of()));
    return BatchOutput.split(batch, MARKER, whole);
  }

  @Property(tries = 100)
  void theScriptRunsEachStepExactlyAsRunningItAloneWould(
      @ForAll("steps") @Size(min = 1, max = 6) List<Batch.Step> steps) throws Exception {
    if (!(steps.get(0) instanceof Batch.Run)) {
      steps = new ArrayList<>(steps);
      steps.add(0, new Batch.Run(printf("first")));
    }
    Batch batch = new Batch(Command.Kind.PROBE, steps);
    List<CommandResult> expected = new LocalSession().runAll(batch);
    List<CommandResult> actual = viaScript(batch);
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).exitCode())
          .as("step %d exit", i)
          .isEqualTo(expected.get(i).exitCode());
      assertThat(actual.get(i).stdout())
          .as("step %d stdout", i)
          .isEqualTo(expected.get(i).stdout());
      assertThat(actual.get(i).stderr())
          .as("step %d stderr", i)
          .isEqualTo(expected.get(i).stderr());
    }
  }

  @Property(tries = 20)
  void aGuardStopsTheBatchWhenTheSimulationBringsAVersionNotAllowed(
      @ForAll("allowedOrNot") boolean allowed) throws Exception {
    String sim =
        "NOTE: This is only a simulation!\n"
            + "Inst openssl [3.0.13-0ubuntu3.4] (3.0.13-0ubuntu3.5 Ubuntu:24.04/noble-security [amd64])\n"
            + "Inst libssl3t64 [3.0.13-0ubuntu3.4] (3.0.13-0ubuntu3.5 Ubuntu:24.04/noble-security"
            + " [amd64]) []\n"
            + "Conf openssl (3.0.13-0ubuntu3.5 Ubuntu:24.04/noble-security [amd64])\n";
    Set<PackageVersion> ok =
        allowed
            ? Set.of(
                new PackageVersion("openssl", "3.0.13-0ubuntu3.5"),
                new PackageVersion("libssl3t64", "3.0.13-0ubuntu3.5"))
            : Set.of(new PackageVersion("openssl", "3.0.13-0ubuntu3.5"));
    Batch batch =
        Batch.of(
            Command.Kind.INSTALL,
            new Batch.Run(printf(sim)),
            new Batch.InstallsOnly(ok),
            new Batch.Run(printf("installed")));
    List<CommandResult> actual = viaScript(batch);
    if (allowed) {
      assertThat(actual).hasSize(3);
      assertThat(actual.get(1).exitCode()).isZero();
      assertThat(actual.get(2).stdout()).isEqualTo("installed");
    } else {
      assertThat(actual).hasSize(2);
      assertThat(actual.get(1).exitCode()).isEqualTo(1);
      assertThat(actual.get(1).stdout()).startsWith("Inst libssl3t64 [3.0.13-0ubuntu3.4]");
    }
    assertThat(actual)
        .usingRecursiveFieldByFieldElementComparatorIgnoringFields("took")
        .isEqualTo(new LocalSession().runAll(batch));
  }

  @Provide
  Arbitrary<Boolean> allowedOrNot() {
    return Arbitraries.of(true, false);
  }

  static Command printf(String text) {
    return Command.of(Command.Kind.PROBE, T, "printf", "%s", text);
  }

  @Provide
  Arbitrary<List<Batch.Step>> steps() {
    Arbitrary<String> text =
        Arbitraries.strings()
            .withChars("ab \n\t'\"$`\\%;|&*?~#(){}[]<>!=-")
            .withCharRange('x', 'z')
            .ofMaxLength(40);
    Arbitrary<Batch.Step> print = text.map(t -> new Batch.Run(printf(t)));
    Arbitrary<Batch.Step> both =
        Combinators.combine(text, text, Arbitraries.integers().between(0, 3))
            .as(
                (o, e, code) ->
                    new Batch.Run(
                        Command.of(
                            Command.Kind.PROBE,
                            T,
                            "sh",
                            "-c",
                            "printf %s \"$1\"; printf %s \"$2\" >&2; exit \"$3\"",
                            "sh",
                            o,
                            e,
                            Integer.toString(code))));
    Arbitrary<Batch.Step> guard =
        Arbitraries.of("openssl", "libssl3t64", "curl")
            .set()
            .ofMaxSize(2)
            .map(
                names ->
                    new Batch.InstallsOnly(
                        names.stream()
                            .map(n -> new PackageVersion(n, "3.0.13-0ubuntu3.5"))
                            .collect(java.util.stream.Collectors.toSet())));
    Arbitrary<Batch.Step> simulation =
        Arbitraries.of("openssl", "libssl3t64", "curl")
            .list()
            .ofMaxSize(3)
            .map(
                names -> {
                  StringBuilder b = new StringBuilder("Reading package lists...\n");
                  for (String n : names) {
                    b.append("Inst ")
                        .append(n)
                        .append(
                            " [3.0.13-0ubuntu3.4] (3.0.13-0ubuntu3.5 Ubuntu:24.04/noble [amd64])\n");
                  }
                  return new Batch.Run(printf(b.toString()));
                });
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, print),
            net.jqwik.api.Tuple.of(3, both),
            net.jqwik.api.Tuple.of(2, simulation),
            net.jqwik.api.Tuple.of(2, guard))
        .list();
  }
}
