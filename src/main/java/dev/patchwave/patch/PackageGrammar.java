package dev.patchwave.patch;

import java.util.regex.Pattern;

/**
 * The Debian and RPM grammars for package names and versions. A name or version that does not match
 * is refused before it can reach an argv list; the grammars admit no whitespace, quote, shell
 * metacharacter or leading '-', so nothing accepted here can be read as an option or a second
 * command.
 */
public final class PackageGrammar {
  private PackageGrammar() {}

  /** Debian policy 5.6.1: lowercase letters, digits, '+', '-', '.'; two or more; alnum first. */
  private static final Pattern DEBIAN_NAME = Pattern.compile("[a-z0-9][a-z0-9+.-]{1,127}");

  /**
   * Debian policy 5.6.12: {@code [epoch:]upstream[-revision]}; upstream starts with a digit and may
   * hold '.', '+', '~', '-' (only when a revision follows) and ':' (only with an epoch).
   */
  private static final Pattern DEBIAN_VERSION =
      Pattern.compile(
          "(?:(?<epoch>\\d{1,9}):)?(?<upstream>\\d[A-Za-z0-9.+~:-]{0,127}?)"
              + "(?:-(?<revision>[A-Za-z0-9.+~]{1,64}))?");

  /** RPM names: letters, digits and {@code - . _ +}; a letter or digit first. */
  private static final Pattern RPM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");

  /**
   * RPM {@code [epoch:]version-release}; neither part holds '-'; a letter or digit first (releases
   * such as {@code 427.13.1.el9_4} hold '_').
   */
  private static final Pattern RPM_VERSION =
      Pattern.compile("(?:\\d{1,9}:)?[A-Za-z0-9][\\w.+~^]{0,63}-[A-Za-z0-9][\\w.+~^]{0,63}");

  public static boolean isDebianName(String s) {
    return s != null && DEBIAN_NAME.matcher(s).matches();
  }

  public static boolean isDebianVersion(String s) {
    if (s == null || s.length() > 200) {
      return false;
    }
    var m = DEBIAN_VERSION.matcher(s);
    if (!m.matches()) {
      return false;
    }
    String upstream = m.group("upstream");
    if (m.group("epoch") == null && upstream.contains(":")) {
      return false;
    }
    return m.group("revision") != null || !upstream.contains("-");
  }

  public static boolean isRpmName(String s) {
    return s != null && RPM_NAME.matcher(s).matches();
  }

  public static boolean isRpmVersion(String s) {
    return s != null && RPM_VERSION.matcher(s).matches();
  }

  public static final String DEBIAN_NAME_WHAT =
      "a Debian package name (lowercase letters, digits, '+', '-', '.'; a letter or digit first)";
  public static final String DEBIAN_VERSION_WHAT =
      "a Debian version ([epoch:]upstream[-revision], upstream starting with a digit)";
}
