package dev.patchwave.doc;

import dev.patchwave.doc.Node.Entry;
import dev.patchwave.doc.Node.ListNode;
import dev.patchwave.doc.Node.MapNode;
import dev.patchwave.doc.Node.ScalarNode;
import dev.patchwave.doc.Node.ScalarType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds a located {@link Node} tree to values while collecting every problem.
 *
 * <p>Each method either returns a value or records a {@link Problem} (path, location, what was
 * expected) and returns {@code null}; callers carry on so that one pass reports everything. Not
 * thread-safe: one binder per document.
 */
public final class Binder {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");
  private final List<Problem> problems = new ArrayList<>();

  public void problem(String path, Location at, String message) {
    problems.add(new Problem(path, at, message));
  }

  public List<Problem> problems() {
    return List.copyOf(problems);
  }

  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  /** Throws with every problem recorded so far, if any. */
  public void throwIfProblems() throws DocumentException {
    if (!problems.isEmpty()) {
      throw new DocumentException(problems);
    }
  }

  public static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public static String index(String path, int i) {
    return path + "[" + i + "]";
  }

  /**
   * Views {@code node} as an object whose keys must all be in {@code allowed}; each other key is
   * reported as unknown (a typo must never be ignored).
   */
  public Fields object(Node node, String path, Set<String> allowed) {
    if (!(node instanceof MapNode map)) {
      expected(node, path, "an object");
      return null;
    }
    for (Entry e : map.entries().values()) {
      if (!allowed.contains(e.key())) {
        String hint = closest(e.key(), allowed);
        problem(
            child(path, e.key()),
            e.keyLocation(),
            "unknown field '"
                + e.key()
                + "'"
                + (hint == null ? "" : " (did you mean '" + hint + "'?)")
                + "; expected one of: "
                + String.join(", ", new TreeSet<>(allowed)));
      }
    }
    return new Fields(map, path);
  }

  /** The fields of one object, read by name. */
  public final class Fields {
    private final MapNode map;
    private final String path;

    private Fields(MapNode map, String path) {
      this.map = map;
      this.path = path;
    }

    public Location location() {
      return map.location();
    }

    public String path() {
      return path;
    }

    public String path(String key) {
      return child(path, key);
    }

    /** The value node, or null when the key is absent or explicitly null. */
    public Node get(String key) {
      Entry e = map.entries().get(key);
      if (e == null) {
        return null;
      }
      if (e.value() instanceof ScalarNode s && s.type() == ScalarType.NULL) {
        return null;
      }
      return e.value();
    }

    public boolean has(String key) {
      return get(key) != null;
    }

    /** Like {@link #get} but records "required" when missing. */
    public Node require(String key) {
      Node n = get(key);
      if (n == null) {
        problem(path(key), map.location(), "required field '" + key + "' is missing");
      }
      return n;
    }

    public <T> T read(String key, T fallback, BiFunction<Node, String, T> reader) {
      Node n = get(key);
      if (n == null) {
        return fallback;
      }
      T value = reader.apply(n, path(key));
      return value == null ? fallback : value;
    }

    public <T> T readRequired(String key, BiFunction<Node, String, T> reader) {
      Node n = require(key);
      return n == null ? null : reader.apply(n, path(key));
    }
  }

  public List<Node> list(Node node, String path) {
    if (node instanceof ListNode l) {
      return l.items();
    }
    expected(node, path, "a list");
    return null;
  }

  /** A string; unquoted YAML numbers and booleans are accepted as their text. */
  public String string(Node node, String path) {
    if (node instanceof ScalarNode s && s.type() != ScalarType.NULL) {
      return s.text();
    }
    expected(node, path, "a string");
    return null;
  }

  /** A string that must match {@code pattern}; {@code what} says what was expected. */
  public String matching(Node node, String path, Pattern pattern, String what) {
    String s = string(node, path);
    if (s == null) {
      return null;
    }
    if (!pattern.matcher(s).matches()) {
      problem(path, node.location(), "'" + abbreviate(s) + "' is not " + what);
      return null;
    }
    return s;
  }

  public Integer integer(Node node, String path, int min, int max) {
    if (node instanceof ScalarNode s && s.type() == ScalarType.INTEGER) {
      try {
        long v = Long.parseLong(s.text());
        if (v < min || v > max) {
          problem(
              path,
              node.location(),
              "expected an integer from " + min + " to " + max + ", found " + v);
          return null;
        }
        return (int) v;
      } catch (NumberFormatException e) {
        // falls through to the generic message: too many digits for a long
      }
    }
    expected(node, path, "an integer from " + min + " to " + max);
    return null;
  }

  public Boolean bool(Node node, String path) {
    if (node instanceof ScalarNode s && s.type() == ScalarType.BOOLEAN) {
      return Boolean.parseBoolean(s.text());
    }
    expected(node, path, "true or false");
    return null;
  }

  /** One of a fixed set of words, e.g. {@code never | ifRequired | always}. */
  public <E> E choice(Node node, String path, Map<String, E> options) {
    if (node instanceof ScalarNode s && s.type() == ScalarType.STRING) {
      E value = options.get(s.text());
      if (value != null) {
        return value;
      }
      problem(
          path,
          node.location(),
          "'"
              + abbreviate(s.text())
              + "' is not allowed; expected one of: "
              + String.join(", ", options.keySet()));
      return null;
    }
    expected(node, path, "one of: " + String.join(", ", options.keySet()));
    return null;
  }

  /**
   * A duration written as one or more number-unit pairs: {@code 30s}, {@code 15m}, {@code 2h},
   * {@code 1d}, {@code 1h30m}; a bare {@code 0} means none.
   */
  public Duration duration(Node node, String path) {
    if (node instanceof ScalarNode s && s.type() == ScalarType.INTEGER && s.text().equals("0")) {
      return Duration.ZERO;
    }
    String text = node instanceof ScalarNode s && s.type() == ScalarType.STRING ? s.text() : null;
    Duration d = text == null ? null : parseDuration(text);
    if (d == null) {
      problem(
          path,
          node.location(),
          "expected a duration such as 30s, 15m, 2h, 1d or 1h30m, found " + describe(node));
    }
    return d;
  }

  /** Parses {@code 30s}, {@code 1h30m}, ...; null if the text is not such a duration. */
  public static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text);
    int at = 0;
    Duration total = Duration.ZERO;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        return null;
      }
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              });
      at = m.end();
    }
    return at == 0 ? null : total;
  }

  /** Formats a duration the way policies write it ({@code 1h30m}, {@code 0s}). */
  public static String formatDuration(Duration d) {
    long s = d.getSeconds();
    if (s == 0) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    long[] units = {86_400, 3_600, 60, 1};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < units.length; i++) {
      if (s >= units[i]) {
        b.append(s / units[i]).append(names[i]);
        s %= units[i];
      }
    }
    return b.toString();
  }

  public List<String> stringList(Node node, String path, Pattern pattern, String what) {
    List<Node> items = list(node, path);
    if (items == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String s = matching(items.get(i), index(path, i), pattern, what);
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  /** A map of string keys to string values, each checked against its pattern. */
  public Map<String, String> stringMap(
      Node node, String path, Pattern keys, String keyWhat, Pattern values, String valueWhat) {
    if (!(node instanceof MapNode map)) {
      expected(node, path, "an object of " + keyWhat + " to " + valueWhat);
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Entry e : map.entries().values()) {
      String p = child(path, e.key());
      if (!keys.matcher(e.key()).matches()) {
        problem(p, e.keyLocation(), "'" + abbreviate(e.key()) + "' is not " + keyWhat);
        continue;
      }
      String v = matching(e.value(), p, values, valueWhat);
      if (v != null) {
        out.put(e.key(), v);
      }
    }
    return out;
  }

  /** Reports duplicates in a list of names read from {@code items}. */
  public void unique(Collection<String> names, String path, Location at, String what) {
    Set<String> seen = new TreeSet<>();
    for (String n : names) {
      if (!seen.add(n)) {
        problem(path, at, "duplicate " + what + " '" + n + "'");
      }
    }
  }

  private void expected(Node node, String path, String what) {
    problem(path, node.location(), "expected " + what + ", found " + describe(node));
  }

  private static String describe(Node node) {
    if (node instanceof ScalarNode s && s.type() != ScalarType.NULL) {
      return node.kindName() + " '" + abbreviate(s.text()) + "'";
    }
    return node.kindName();
  }

  /** The word-to-constant map of an enumerated field, in declaration order. */
  public static <E extends Enum<E>> Map<String, E> words(E[] values, Function<E, String> word) {
    Map<String, E> m = new LinkedHashMap<>();
    for (E e : values) {
      m.put(word.apply(e), e);
    }
    return Collections.unmodifiableMap(m);
  }

  /** Keeps hostile or huge input out of messages (and so out of logs and API answers). */
  public static String abbreviate(String s) {
    String clean = s.replaceAll("[\\p{Cntrl}]", "?");
    return clean.length() <= 80 ? clean : clean.substring(0, 77) + "...";
  }

  /** The allowed key nearest to a typo (edit distance at most 2), or null. */
  static String closest(String key, Set<String> allowed) {
    String best = null;
    int bestDistance = 3;
    for (String a : new TreeSet<>(allowed)) {
      int d = distance(key.toLowerCase(), a.toLowerCase());
      if (d < bestDistance) {
        best = a;
        bestDistance = d;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2 || a.length() > 64 || b.length() > 64) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
