package dev.patchwave.host.ssh;

import dev.patchwave.host.CommandResult;
import dev.patchwave.patch.Batch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits what a {@link Batch}'s script printed into one result per step that ran: on stdout each
 * step's output ends with a newline, the marker and its exit status on a line; on stderr with a
 * newline and the marker. Steps whose end is missing (the output was cut at its bound, or the
 * script itself failed) come back as one failed result that says so, and nothing after it.
 */
final class BatchOutput {
  private BatchOutput() {}

  static List<CommandResult> split(Batch batch, String marker, CommandResult whole) {
    String out = whole.stdout();
    String err = whole.stderr();
    String outEnd = "\n" + marker + " ";
    String errEnd = "\n" + marker + "\n";
    List<CommandResult> results = new ArrayList<>();
    int o = 0;
    int e = 0;
    for (int step = 0; step < batch.steps().size(); step++) {
      int oi = out.indexOf(outEnd, o);
      int nl = oi < 0 ? -1 : out.indexOf('\n', oi + outEnd.length());
      int ei = err.indexOf(errEnd, e);
      if (oi < 0 || nl < 0 || ei < 0) {
        if (step == 0 || !stopped(batch, results)) {
          results.add(lost(whole, step));
        }
        return results;
      }
      int code;
      try {
        code = Integer.parseInt(out.substring(oi + outEnd.length(), nl));
      } catch (NumberFormatException x) {
        results.add(lost(whole, step));
        return results;
      }
      results.add(
          new CommandResult(
              code,
              out.substring(o, oi),
              err.substring(e, ei),
              false,
              step == 0 ? whole.took() : Duration.ZERO));
      o = nl + 1;
      e = ei + errEnd.length();
      if (batch.steps().get(step) instanceof Batch.InstallsOnly && code != 0) {
        return results;
      }
    }
    return results;
  }

  private static boolean stopped(Batch batch, List<CommandResult> results) {
    int last = results.size() - 1;
    return batch.steps().get(last) instanceof Batch.InstallsOnly && !results.get(last).succeeded();
  }

  private static CommandResult lost(CommandResult whole, int step) {
    String why =
        whole.truncated()
            ? "the batch's output was cut at its bound before step " + (step + 1) + " ended"
            : "the batch stopped before step "
                + (step + 1)
                + " ended (exit "
                + whole.exitCode()
                + ")";
    return new CommandResult(-1, "", why, whole.truncated(), whole.took());
  }
}
