package dev.patchwave.doc;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Documents are UTF-8. Bytes that are not are refused with the line and column where they are,
 * never replaced by U+FFFD and stored. Pure.
 */
public final class Utf8 {
  private Utf8() {}

  public static String decode(byte[] bytes) throws DocumentException {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = decoder.decode(in, out, true);
    if (r.isError()) {
      throw new DocumentException(
          new Problem("", locate(bytes, in.position()), "not UTF-8: " + describe(bytes, in, r)));
    }
    r = decoder.flush(out);
    if (r.isError()) {
      throw new DocumentException(
          new Problem("", locate(bytes, in.position()), "not UTF-8: the text ends mid-character"));
    }
    out.flip();
    String text = out.toString();
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  private static String describe(byte[] bytes, ByteBuffer in, CoderResult r) {
    StringBuilder b = new StringBuilder("byte");
    for (int i = 0; i < r.length() && in.position() + i < bytes.length; i++) {
      b.append(String.format(" 0x%02X", bytes[in.position() + i] & 0xff));
    }
    return b + " is not a UTF-8 character";
  }

  /** Line and column (1-based, in characters) of byte {@code index}. */
  private static Location locate(byte[] bytes, int index) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < index; i++) {
      if (bytes[i] == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    int column = 1;
    for (int i = lineStart; i < index; i++) {
      if ((bytes[i] & 0xC0) != 0x80) {
        column++;
      }
    }
    return new Location(line, column);
  }
}
