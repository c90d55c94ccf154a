package dev.patchwave.api;

import jakarta.ws.rs.BadRequestException;
import java.util.regex.Pattern;

/**
 * Path and query parameters read strictly, each refusal naming the parameter and what it takes
 * (never echoing what was sent). An id has one spelling: digits without a sign or leading zeros, so
 * {@code /rollouts/+1} and {@code /rollouts/01} are refused instead of acting on rollout 1 under
 * another name in the audit log.
 */
final class Params {
  private Params() {}

  private static final Pattern ID = Pattern.compile("0|[1-9][0-9]{0,17}");

  /** An id: {@code 0} or digits without a leading zero, at most 18 of them. */
  static long id(String text, String name) {
    if (text == null || !ID.matcher(text).matches()) {
      throw new BadRequestException(
          name + " must be a whole number written in digits, without a sign or leading zeros");
    }
    return Long.parseLong(text);
  }

  /** A whole number from {@code min} to {@code max}; {@code fallback} when absent. */
  static long number(String text, String name, long fallback, long min, long max) {
    if (text == null) {
      return fallback;
    }
    if (ID.matcher(text).matches()) {
      long v = Long.parseLong(text);
      if (v >= min && v <= max) {
        return v;
      }
    }
    throw new BadRequestException(name + " must be a whole number from " + min + " to " + max);
  }

  /** {@code true} or {@code false}; {@code fallback} when absent. */
  static boolean flag(String text, String name, boolean fallback) {
    if (text == null) {
      return fallback;
    }
    return switch (text) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new BadRequestException(name + " must be true or false");
    };
  }
}
