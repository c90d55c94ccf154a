package dev.patchwave.policy;

import dev.patchwave.doc.Binder;
import dev.patchwave.doc.Node;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The URLs and {@code ${host.*}} placeholders of checks, as policies and the check catalogue write
 * them: one set of rules for both readers. Pure.
 */
final class HostUrls {
  private HostUrls() {}

  static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
  static final Set<String> PLACEHOLDERS = Set.of("host.name", "host.address");

  /**
   * An http(s) URL with a host and no user info (a secret in a URL would be shown to every reader).
   * With {@code placeholders} it may hold {@code ${host.*}}; without, it is a base URL (a
   * Prometheus server): no query or fragment, which would turn the path appended to it into
   * something else.
   */
  static String url(Binder b, Node n, String path, boolean placeholders) {
    String s = b.string(n, path);
    if (s == null) {
      return null;
    }
    if (placeholders) {
      placeholders(b, s, path, n);
    }
    URI u;
    try {
      u = new URI(PLACEHOLDER.matcher(s).replaceAll("placeholder"));
    } catch (URISyntaxException e) {
      b.problem(path, n.location(), "not a valid URL: " + Binder.abbreviate(e.getReason()));
      return null;
    }
    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())
        || u.getHost() == null
        || u.getRawUserInfo() != null) {
      b.problem(
          path,
          n.location(),
          "expected an http:// or https:// URL with a host and no user info, found '"
              + Binder.abbreviate(s)
              + "'");
      return null;
    }
    if (!placeholders && (u.getRawQuery() != null || u.getRawFragment() != null)) {
      b.problem(
          path,
          n.location(),
          "expected a base URL without query or fragment, found '" + Binder.abbreviate(s) + "'");
      return null;
    }
    return s;
  }

  /** Every {@code ${...}} in {@code s} is {@code ${host.name}} or {@code ${host.address}}. */
  static void placeholders(Binder b, String s, String path, Node n) {
    Matcher m = PLACEHOLDER.matcher(s);
    while (m.find()) {
      if (!PLACEHOLDERS.contains(m.group(1))) {
        b.problem(
            path,
            n.location(),
            "unknown placeholder ${"
                + Binder.abbreviate(m.group(1))
                + "}; expected ${host.name} or ${host.address}");
      }
    }
  }
}
