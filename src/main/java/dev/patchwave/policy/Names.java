package dev.patchwave.policy;

import java.util.regex.Pattern;

/**
 * The grammars of names that reach storage, URLs, metric labels or commands. Anything outside them
 * is refused at the door.
 */
public final class Names {
  private Names() {}

  /** Policy and other object names: a DNS-1123 label (so also safe in paths and URLs). */
  public static final Pattern OBJECT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  public static final String OBJECT_NAME_WHAT =
      "a name of 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit";

  /** Host names: DNS-1123 subdomain. */
  public static final Pattern HOST_NAME =
      Pattern.compile(
          "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  public static final String HOST_NAME_WHAT =
      "a host name of lowercase letters, digits, '-' and '.' (at most 253 characters)";

  /** Label keys as Kubernetes writes them: optional DNS prefix and '/', then a name. */
  public static final Pattern LABEL_KEY =
      Pattern.compile(
          "(?:(?=[^/]{1,253}/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
              + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  public static final String LABEL_KEY_WHAT =
      "a label key (optional DNS prefix and '/', then 1-63 letters, digits, '-', '_' or '.')";

  /**
   * Label values: empty, or 1-63 letters, digits, '-', '_', '.' starting and ending alphanumeric.
   */
  public static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

  public static final String LABEL_VALUE_WHAT =
      "a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a"
          + " letter or digit)";

  /** Package name globs: the Debian/RPM package name alphabet plus '*' and '?'. */
  public static final Pattern PACKAGE_GLOB =
      Pattern.compile("[a-zA-Z0-9*?][a-zA-Z0-9+._*?-]{0,127}");

  public static final String PACKAGE_GLOB_WHAT =
      "a package name or glob (letters, digits, '+', '-', '.', '_', '*', '?')";

  /** Free text kept to one line of printable characters (descriptions, reasons). */
  public static final Pattern ONE_LINE = Pattern.compile("[^\\p{Cntrl}]{0,500}");

  public static final String ONE_LINE_WHAT = "one line of at most 500 printable characters";
}
