package dev.patchwave.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** What a command prints: a table for people, or the API's JSON as JSON or YAML for scripts. */
final class Output {

  enum Format {
    table,
    json,
    yaml
  }

  /** A table column: its header and how to read a cell from one item. */
  record Column(String header, Function<JsonNode, String> cell) {
    static Column of(String header, String field) {
      return new Column(header, n -> text(n.path(field)));
    }
  }

  private Output() {}

  /** The items (a JSON array) as the format asks; a table shows only the given columns. */
  static void items(PrintWriter out, Format format, JsonNode items, List<Column> columns) {
    if (format != Format.table) {
      document(out, format, items);
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(columns.stream().map(Column::header).toArray(String[]::new));
    for (JsonNode item : items) {
      rows.add(columns.stream().map(c -> oneLine(c.cell().apply(item))).toArray(String[]::new));
    }
    table(out, rows);
    if (items.isEmpty()) {
      out.println("(none)");
    }
  }

  static void document(PrintWriter out, Format format, JsonNode doc) {
    try {
      if (format == Format.yaml) {
        out.print(Config.YAML.writeValueAsString(doc));
      } else {
        out.println(
            Api.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
      }
    } catch (JsonProcessingException e) {
      throw CliException.error("cannot print the answer: " + e.getMessage());
    }
  }

  static void table(PrintWriter out, List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(row[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(width[i] - row[i].length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** A value as text: empty for null or missing, arrays joined with commas. */
  static String text(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return "";
    }
    if (n.isArray()) {
      List<String> parts = new ArrayList<>();
      n.forEach(e -> parts.add(text(e)));
      return String.join(",", parts);
    }
    if (n.isObject()) {
      List<String> parts = new ArrayList<>();
      n.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + text(e.getValue())));
      return String.join(",", parts);
    }
    return n.asText();
  }

  /** A time as a person reads it: to the second. */
  static String time(JsonNode n) {
    String t = text(n);
    int dot = t.indexOf('.');
    if (dot > 0 && t.endsWith("Z")) {
      return t.substring(0, dot).replace('T', ' ') + "Z";
    }
    return t.replace('T', ' ');
  }

  /** Table cells hold one line: control characters (a host could have sent them) are shown. */
  static String oneLine(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return b.toString();
  }

  /** {@code [#####.....]} for {@code done} of {@code total}. */
  static String bar(int done, int total, int width) {
    int filled = total == 0 ? width : (int) Math.round((double) done * width / total);
    return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
  }
}
