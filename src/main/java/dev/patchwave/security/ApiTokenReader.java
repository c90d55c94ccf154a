package dev.patchwave.security;

import static dev.patchwave.doc.Binder.child;
import static dev.patchwave.doc.Binder.index;

import dev.patchwave.doc.Binder;
import dev.patchwave.doc.Binder.Fields;
import dev.patchwave.doc.DocumentException;
import dev.patchwave.doc.DocumentParser;
import dev.patchwave.doc.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an API token file ({@code apiVersion: patchwave.dev/v1, kind: ApiTokens}):
 *
 * <pre>
 * tokens:
 *   - name: alice
 *     roles: [operator, viewer]
 *     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * </pre>
 *
 * Every problem is reported at once with its path, line and column; unknown fields are problems.
 */
public final class ApiTokenReader {

  public static final String KIND = "ApiTokens";

  static final Map<String, Set<String>> FIELDS =
      Map.of(
          "",
          Set.of("apiVersion", "kind", "tokens"),
          "tokens[]",
          Set.of("name", "roles", "sha256"));

  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._@-]{0,62}[a-z0-9])?");
  private static final String NAME_WHAT =
      "a token name of lower-case letters, digits, '.', '_', '@' and '-', at most 64 characters";
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern ROLE = Pattern.compile("viewer|operator|approver");

  private ApiTokenReader() {}

  public static List<ApiToken> read(String text) throws DocumentException {
    Node root = DocumentParser.parse(text);
    Binder b = new Binder();
    List<ApiToken> tokens = new ArrayList<>();
    Fields f = b.object(root, "", FIELDS.get(""));
    if (f != null) {
      String apiVersion = f.readRequired("apiVersion", b::string);
      if (apiVersion != null && !apiVersion.equals("patchwave.dev/v1")) {
        b.problem("apiVersion", f.get("apiVersion").location(), "expected 'patchwave.dev/v1'");
      }
      String kind = f.readRequired("kind", b::string);
      if (kind != null && !kind.equals(KIND)) {
        b.problem("kind", f.get("kind").location(), "expected '" + KIND + "'");
      }
      List<Node> items = f.readRequired("tokens", b::list);
      Map<String, String> names = new LinkedHashMap<>();
      Map<String, String> hashes = new LinkedHashMap<>();
      for (int i = 0; items != null && i < items.size(); i++) {
        String p = index("tokens", i);
        Fields t = b.object(items.get(i), p, FIELDS.get("tokens[]"));
        if (t == null) {
          continue;
        }
        String name = t.readRequired("name", (n, q) -> b.matching(n, q, NAME, NAME_WHAT));
        List<String> roles =
            t.readRequired(
                "roles", (n, q) -> b.stringList(n, q, ROLE, "one of viewer, operator, approver"));
        String hash =
            t.readRequired(
                "sha256",
                (n, q) ->
                    b.matching(n, q, HEX, "the SHA-256 of the token as 64 lower-case hex digits"));
        if (roles != null && roles.isEmpty()) {
          b.problem(child(p, "roles"), t.get("roles").location(), "expected at least one role");
        }
        if (name != null && names.putIfAbsent(name, p) != null) {
          b.problem(
              child(p, "name"),
              t.get("name").location(),
              "duplicate token name '" + name + "' (first at " + names.get(name) + ")");
        }
        if (hash != null && hashes.putIfAbsent(hash, p) != null) {
          b.problem(
              child(p, "sha256"),
              t.get("sha256").location(),
              "the same token hash as " + hashes.get(hash) + ": every token must be distinct");
        }
        if (name != null && roles != null && !roles.isEmpty() && hash != null) {
          tokens.add(new ApiToken(name, new LinkedHashSet<>(roles), hash));
        }
      }
    }
    b.throwIfProblems();
    return tokens;
  }
}
