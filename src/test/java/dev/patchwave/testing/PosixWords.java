package dev.patchwave.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command string the way a POSIX shell splits words, for the test SSH server. Any
 * character a shell would act on outside quotes (; | & $ ` < > ( ) { } * ? ~ # newline ...) makes
 * the parse fail: the server then records an injection attempt instead of running anything.
 */
public final class PosixWords {
  private PosixWords() {}

  public static final class Unsafe extends Exception {
    public Unsafe(String message) {
      super(message);
    }
  }

  public static List<String> split(String line) throws Unsafe {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t') {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
        i++;
      } else if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        if (end < 0) {
          throw new Unsafe("unterminated quote");
        }
        if (word == null) {
          word = new StringBuilder();
        }
        word.append(line, i + 1, end);
        i = end + 1;
      } else if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '\'') {
        if (word == null) {
          word = new StringBuilder();
        }
        word.append('\'');
        i += 2;
      } else if (Character.isLetterOrDigit(c) || "-_./=:,+@%".indexOf(c) >= 0) {
        if (word == null) {
          word = new StringBuilder();
        }
        word.append(c);
        i++;
      } else {
        throw new Unsafe("shell would interpret '" + c + "' at " + i);
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }
}
