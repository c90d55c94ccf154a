package dev.patchwave.doc;

/** A position in a source document, 1-based. {@link #UNKNOWN} when there is no source text. */
public record Location(int line, int column) {
  public static final Location UNKNOWN = new Location(0, 0);

  @Override
  public String toString() {
    return line + ":" + column;
  }
}
