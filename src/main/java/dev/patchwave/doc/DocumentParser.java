package dev.patchwave.doc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.patchwave.doc.Node.Entry;
import dev.patchwave.doc.Node.ListNode;
import dev.patchwave.doc.Node.MapNode;
import dev.patchwave.doc.Node.ScalarNode;
import dev.patchwave.doc.Node.ScalarType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses YAML or JSON text into a located {@link Node} tree.
 *
 * <p>Contract: exactly one document; duplicate keys are an error (a second value must not silently
 * win); nesting is bounded; syntax errors come back as a {@link DocumentException} with the line
 * and column the parser stopped at. Thread-safe and stateless.
 */
public final class DocumentParser {

  /** Deep enough for any policy, shallow enough that hostile input cannot exhaust the stack. */
  static final int MAX_DEPTH = 64;

  /** Documents larger than this are refused before parsing. */
  public static final int MAX_CHARS = 1 << 20;

  private static final StreamReadConstraints LIMITS =
      StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          .maxStringLength(MAX_CHARS)
          .maxNumberLength(100)
          .build();
  private static final JsonFactory JSON =
      JsonFactory.builder().streamReadConstraints(LIMITS).build();
  private static final YAMLFactory YAML =
      YAMLFactory.builder()
          .streamReadConstraints(LIMITS)
          .loaderOptions(loaderOptions(MAX_CHARS))
          .build();

  /** Source syntax. */
  public enum Format {
    YAML,
    JSON;

    /** JSON if the text starts (after blanks) with a brace or bracket, else YAML. */
    public static Format sniff(String text) {
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (!Character.isWhitespace(c)) {
          return c == '{' || c == '[' ? JSON : YAML;
        }
      }
      return YAML;
    }
  }

  private DocumentParser() {}

  public static Node parse(String text) throws DocumentException {
    return parse(text, Format.sniff(text));
  }

  public static Node parse(String text, Format format) throws DocumentException {
    return parse(text, format, MAX_CHARS);
  }

  /**
   * As {@link #parse(String, Format)}, for documents that may be larger than an API body (an
   * inventory file of many hosts): at most {@code maxChars} characters.
   */
  public static Node parse(String text, Format format, int maxChars) throws DocumentException {
    if (text.length() > maxChars) {
      throw new DocumentException(
          new Problem(
              "",
              Location.UNKNOWN,
              "document is " + text.length() + " characters; at most " + maxChars + " allowed"));
    }
    if (maxChars > MAX_CHARS) {
      return parse(
          text,
          format,
          format == Format.JSON
              ? JSON
              : YAMLFactory.builder()
                  .streamReadConstraints(LIMITS)
                  .loaderOptions(loaderOptions(maxChars))
                  .build());
    }
    return parse(text, format, format == Format.JSON ? JSON : YAML);
  }

  /** SnakeYAML's own limit on the document's size (its default is 3 MB), raised to ours. */
  private static org.yaml.snakeyaml.LoaderOptions loaderOptions(int maxChars) {
    org.yaml.snakeyaml.LoaderOptions o = new org.yaml.snakeyaml.LoaderOptions();
    o.setCodePointLimit(Math.max(maxChars, 1 << 20) * 2);
    return o;
  }

  private static Node parse(String text, Format format, JsonFactory factory)
      throws DocumentException {
    if (text.isBlank()) {
      throw new DocumentException(new Problem("", new Location(1, 1), "document is empty"));
    }
    try (JsonParser parser = factory.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new DocumentException(new Problem("", new Location(1, 1), "document is empty"));
      }
      Node root = read(parser, first, 0);
      JsonToken after = parser.nextToken();
      if (after != null) {
        throw new DocumentException(
            new Problem(
                "",
                location(parser.currentTokenLocation()),
                "only one document is allowed; found more content after the first"));
      }
      return root;
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw new DocumentException(
          new Problem(
              "",
              where == null ? Location.UNKNOWN : location(where),
              "not valid " + format + ": " + e.getOriginalMessage()));
    } catch (IOException e) {
      throw new DocumentException(
          new Problem("", Location.UNKNOWN, "cannot read document: " + e.getMessage()));
    }
  }

  private static Node read(JsonParser p, JsonToken token, int depth)
      throws IOException, DocumentException {
    Location at = location(p.currentTokenLocation());
    if (depth > MAX_DEPTH) {
      throw new DocumentException(
          new Problem("", at, "document nests deeper than " + MAX_DEPTH + " levels"));
    }
    Object tag = p.canReadTypeId() ? p.getTypeId() : null;
    if (tag != null) {
      // a tag asks a YAML loader to build something other than text, numbers, lists and maps
      throw new DocumentException(
          new Problem(
              "",
              at,
              "YAML tags are not allowed (found "
                  + Binder.abbreviate(shorthand(String.valueOf(tag)))
                  + "); write plain values"));
    }
    switch (token) {
      case START_OBJECT -> {
        Map<String, Entry> entries = new LinkedHashMap<>();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          Location keyAt = location(p.currentTokenLocation());
          Node value = read(p, p.nextToken(), depth + 1);
          if (entries.containsKey(key)) {
            throw new DocumentException(
                new Problem(
                    "",
                    keyAt,
                    "duplicate key '"
                        + key
                        + "' (first at line "
                        + entries.get(key).keyLocation()
                        + ")"));
          }
          entries.put(key, new Entry(key, keyAt, value));
        }
        return new MapNode(at, entries);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          items.add(read(p, t, depth + 1));
        }
        return new ListNode(at, items);
      }
      case VALUE_STRING -> {
        return new ScalarNode(at, ScalarType.STRING, p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return new ScalarNode(at, ScalarType.INTEGER, p.getText());
      }
      case VALUE_NUMBER_FLOAT -> {
        return new ScalarNode(at, ScalarType.DECIMAL, p.getText());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new ScalarNode(at, ScalarType.BOOLEAN, p.getText());
      }
      case VALUE_NULL -> {
        return new ScalarNode(at, ScalarType.NULL, "null");
      }
      default ->
          throw new DocumentException(new Problem("", at, "unsupported YAML construct " + token));
    }
  }

  /** A tag as it was written: {@code !!str} for the standard {@code tag:yaml.org,2002:str}. */
  private static String shorthand(String tag) {
    String standard = "tag:yaml.org,2002:";
    return tag.startsWith(standard) ? "!!" + tag.substring(standard.length()) : "!" + tag;
  }

  private static Location location(JsonLocation l) {
    return new Location(Math.max(l.getLineNr(), 0), Math.max(l.getColumnNr(), 0));
  }
}
