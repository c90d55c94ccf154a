package dev.patchwave.api.console;

import io.quarkus.qute.TemplateExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** What the console's templates need beyond Qute's own: times to read, values in a link. */
@TemplateExtension
final class TextExtensions {

  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private TextExtensions() {}

  static String urlEncode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** A time as a person reads it: UTC, to the second ({@code 2026-12-03 21:38:22Z}). */
  static String display(Instant at) {
    return SECONDS.format(at.truncatedTo(ChronoUnit.SECONDS));
  }

  static String display(OffsetDateTime at) {
    return display(at.toInstant());
  }

  /** Seconds as a person reads them: "45s", "3m 36s", "21h 57m", "2d 4h". */
  static String span(Long seconds) {
    if (seconds == null) {
      return "";
    }
    long s = seconds;
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + (s % 60 == 0 ? "" : " " + s % 60 + "s");
    }
    if (s < 86400) {
      return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : " " + s % 3600 / 60 + "m");
    }
    return s / 86400 + "d" + (s % 86400 / 3600 == 0 ? "" : " " + s % 86400 / 3600 + "h");
  }
}
