package dev.patchwave.cli;

/** Ends a command with a message for the person and an exit code for a script. */
final class CliException extends RuntimeException {

  static final int ERROR = 1;
  static final int REFUSED = 2;
  static final int HALTED = 3;

  final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  static CliException error(String message) {
    return new CliException(ERROR, message);
  }

  static CliException refused(String message) {
    return new CliException(REFUSED, message);
  }
}
