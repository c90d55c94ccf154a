package dev.patchwave.doc;

/**
 * One thing wrong with a document: where ({@code spec.waves[2].size}, line and column) and what was
 * expected.
 */
public record Problem(String path, Location location, String message) {

  @Override
  public String toString() {
    String where = location.line() > 0 ? " (line " + location + ")" : "";
    return (path.isEmpty() ? "<document>" : path) + where + ": " + message;
  }
}
