package dev.patchwave.policy;

import static dev.patchwave.doc.Binder.child;
import static dev.patchwave.doc.Binder.index;

import dev.patchwave.doc.Binder;
import dev.patchwave.doc.Binder.Fields;
import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.DocumentParser;
import dev.patchwave.doc.Node;
import dev.patchwave.policy.CheckCatalogue.Datasource;
import dev.patchwave.policy.CheckCatalogue.HttpTarget;
import dev.patchwave.policy.CheckCatalogue.SshCommand;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a check catalogue ({@code apiVersion: patchwave.dev/v1, kind: CheckCatalogue}).
 *
 * <p>Contract: returns the catalogue (with {@code allowInline} false), or throws a {@link
 * DocumentException} listing every problem (path, line, column, what was expected). Unknown fields
 * are problems. Pure.
 */
public final class CheckCatalogueReader {

  public static final String KIND = "CheckCatalogue";

  public static final Map<String, Set<String>> FIELDS =
      Map.of(
          "", Set.of("apiVersion", "kind", "ssh", "http", "prometheus"),
          "ssh[]", Set.of("name", "command", "args", "output"),
          "http[]", Set.of("name", "url"),
          "prometheus[]", Set.of("name", "url", "bearerTokenFile", "caFile"));

  static final int MAX_ENTRIES = 500;
  private static final Pattern WORD = Pattern.compile("[^\\x00]{1,4096}");
  private static final Pattern ARG_PATTERN = Pattern.compile("[^\\x00]{1,512}");
  private static final Pattern FILE = Pattern.compile("/[^\\x00]{0,4095}");

  private CheckCatalogueReader() {}

  public static CheckCatalogue read(String text) throws DocumentException {
    Node root = DocumentParser.parse(text, DocumentParser.Format.sniff(text));
    Binder b = new Binder();
    CheckCatalogue c = new Run(b).catalogue(root);
    b.throwIfProblems();
    return c;
  }

  private record Run(Binder b) {

    CheckCatalogue catalogue(Node root) {
      Fields f = b.object(root, "", FIELDS.get(""));
      if (f == null) {
        return CheckCatalogue.EMPTY;
      }
      String apiVersion = f.readRequired("apiVersion", b::string);
      if (apiVersion != null && !apiVersion.equals("patchwave.dev/v1")) {
        b.problem("apiVersion", f.get("apiVersion").location(), "expected 'patchwave.dev/v1'");
      }
      String kind = f.readRequired("kind", b::string);
      if (kind != null && !kind.equals(KIND)) {
        b.problem("kind", f.get("kind").location(), "expected '" + KIND + "'");
      }
      return new CheckCatalogue(
          entries(f, "ssh", this::ssh, SshCommand::name),
          entries(f, "http", this::http, HttpTarget::name),
          entries(f, "prometheus", this::datasource, Datasource::name),
          false);
    }

    <T> Map<String, T> entries(
        Fields f, String key, BiFunction<Node, String, T> reader, Function<T, String> name) {
      List<Node> items = f.read(key, List.of(), b::list);
      if (items == null) {
        return Map.of();
      }
      if (items.size() > MAX_ENTRIES) {
        b.problem(key, f.get(key).location(), "at most " + MAX_ENTRIES + " entries");
        return Map.of();
      }
      Map<String, T> out = new LinkedHashMap<>();
      for (int i = 0; i < items.size(); i++) {
        String p = index(key, i);
        T entry = reader.apply(items.get(i), p);
        if (entry != null && out.putIfAbsent(name.apply(entry), entry) != null) {
          b.problem(
              child(p, "name"),
              items.get(i).location(),
              "duplicate " + key + " entry '" + name.apply(entry) + "'");
        }
      }
      return out;
    }

    String name(Fields f) {
      return f.readRequired(
          "name", (v, p) -> b.matching(v, p, Names.OBJECT_NAME, Names.OBJECT_NAME_WHAT));
    }

    SshCommand ssh(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("ssh[]"));
      if (f == null) {
        return null;
      }
      String name = name(f);
      List<String> command =
          f.readRequired(
              "command", (v, p) -> b.stringList(v, p, WORD, "a command word (no NUL characters)"));
      if (command != null) {
        if (command.isEmpty()) {
          b.problem(child(path, "command"), f.get("command").location(), "must not be empty");
        }
        for (int i = 0; i < command.size(); i++) {
          HostUrls.placeholders(
              b, command.get(i), index(child(path, "command"), i), f.get("command"));
        }
      }
      List<String> patterns =
          f.read(
              "args",
              List.of(),
              (v, p) -> b.stringList(v, p, ARG_PATTERN, "a regular expression for one argument"));
      List<Pattern> args = new ArrayList<>();
      for (int i = 0; patterns != null && i < patterns.size(); i++) {
        try {
          args.add(Pattern.compile(patterns.get(i)));
        } catch (PatternSyntaxException e) {
          b.problem(
              index(child(path, "args"), i),
              f.get("args").location(),
              "not a regular expression: " + Binder.abbreviate(e.getDescription()));
        }
      }
      Boolean output = f.read("output", false, b::bool);
      return name == null || command == null || command.isEmpty() || output == null
          ? null
          : new SshCommand(name, command, args, output);
    }

    HttpTarget http(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("http[]"));
      if (f == null) {
        return null;
      }
      String name = name(f);
      String url = f.readRequired("url", (v, p) -> HostUrls.url(b, v, p, true));
      return name == null || url == null ? null : new HttpTarget(name, url);
    }

    Datasource datasource(Node n, String path) {
      Fields f = b.object(n, path, FIELDS.get("prometheus[]"));
      if (f == null) {
        return null;
      }
      String name = name(f);
      String url = f.readRequired("url", (v, p) -> HostUrls.url(b, v, p, false));
      Optional<String> token = Optional.ofNullable(f.read("bearerTokenFile", null, this::file));
      Optional<String> ca = Optional.ofNullable(f.read("caFile", null, this::file));
      return name == null || url == null ? null : new Datasource(name, url, token, ca);
    }

    String file(Node n, String path) {
      return b.matching(n, path, FILE, "an absolute file path");
    }
  }
}
