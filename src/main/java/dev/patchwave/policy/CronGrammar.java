package dev.patchwave.policy;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The grammar of Quartz cron expressions ({@code sec min hour day-of-month month day-of-week
 * [year]}), checked without Quartz so that a policy's schedule is refused at {@code PUT} with its
 * field and line. The schedule itself is run by Quartz; {@code CronGrammarTest} holds this grammar
 * to Quartz's own parser.
 */
public final class CronGrammar {
  private CronGrammar() {}

  private static final String[] FIELD_NAMES = {
    "seconds", "minutes", "hours", "day-of-month", "month", "day-of-week", "year"
  };
  private static final int[][] RANGES = {
    {0, 59}, {0, 59}, {0, 23}, {1, 31}, {1, 12}, {1, 7}, {1970, 2199}
  };
  private static final Set<String> MONTHS =
      Set.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final Set<String> DAYS = Set.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

  private static final Pattern VALUE = Pattern.compile("[0-9]{1,4}|[A-Za-z]{3}");
  private static final Pattern RANGE_STEP =
      Pattern.compile("(\\*|[0-9A-Za-z]{1,4}(?:-[0-9A-Za-z]{1,4})?)(?:/([0-9]{1,4}))?");
  private static final Pattern DOM_SPECIAL = Pattern.compile("L(?:-[0-9]{1,2})?|LW|[0-9]{1,2}W");
  private static final Pattern DOW_SPECIAL = Pattern.compile("([1-7A-Za-z]{1,3})(L|#[1-5])");

  /** Why {@code expression} is not a Quartz cron expression, or empty if it is one. */
  public static Optional<String> problem(String expression) {
    String[] fields = expression.strip().split("\\s+");
    if (fields.length < 6 || fields.length > 7) {
      return Optional.of(
          "expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]),"
              + " found "
              + fields.length);
    }
    for (int i = 0; i < fields.length; i++) {
      Optional<String> p = field(i, fields[i].toUpperCase(Locale.ROOT));
      if (p.isPresent()) {
        return Optional.of(FIELD_NAMES[i] + " field '" + fields[i] + "': " + p.get());
      }
    }
    boolean domAny = fields[3].equals("?");
    boolean dowAny = fields[5].equals("?");
    if (domAny == dowAny) {
      return Optional.of(
          "exactly one of day-of-month and day-of-week must be '?' (for example"
              + " '0 0 3 ? * MON-FRI' or '0 0 3 1 * ?')");
    }
    return Optional.empty();
  }

  private static Optional<String> field(int index, String text) {
    if (text.equals("?")) {
      return index == 3 || index == 5
          ? Optional.empty()
          : Optional.of("'?' is allowed only in day-of-month and day-of-week");
    }
    if (index == 3 && DOM_SPECIAL.matcher(text).matches()) {
      Matcher w = Pattern.compile("([0-9]{1,2})W").matcher(text);
      if (w.matches() && !inRange(index, Integer.parseInt(w.group(1)))) {
        return Optional.of("day " + w.group(1) + " is outside 1-31");
      }
      return Optional.empty();
    }
    if (index == 5) {
      Matcher m = DOW_SPECIAL.matcher(text);
      if (m.matches()) {
        return value(index, m.group(1)).isPresent()
            ? Optional.empty()
            : Optional.of("'" + m.group(1) + "' is not a day of the week (1-7 or SUN-SAT)");
      }
    }
    for (String part : text.split(",", -1)) {
      Matcher m = RANGE_STEP.matcher(part);
      if (!m.matches()) {
        return Optional.of("'" + part + "' is not a value, range, list or step");
      }
      String base = m.group(1);
      if (!base.equals("*")) {
        String[] ends = base.split("-");
        for (String end : ends) {
          if (value(index, end).isEmpty()) {
            int[] r = RANGES[index];
            return Optional.of(
                "'"
                    + end
                    + "' is not allowed here (expected "
                    + r[0]
                    + "-"
                    + r[1]
                    + (index == 4 ? " or JAN-DEC" : index == 5 ? " or SUN-SAT" : "")
                    + ")");
          }
        }
      }
      if (m.group(2) != null) {
        int step = Integer.parseInt(m.group(2));
        if (step < 1 || step > RANGES[index][1]) {
          return Optional.of("step " + step + " is out of range");
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Integer> value(int index, String text) {
    if (!VALUE.matcher(text).matches()) {
      return Optional.empty();
    }
    if (Character.isLetter(text.charAt(0))) {
      boolean named = index == 4 ? MONTHS.contains(text) : index == 5 && DAYS.contains(text);
      return named ? Optional.of(0) : Optional.empty();
    }
    int v = Integer.parseInt(text);
    return inRange(index, v) ? Optional.of(v) : Optional.empty();
  }

  private static boolean inRange(int index, int v) {
    return v >= RANGES[index][0] && v <= RANGES[index][1];
  }
}
