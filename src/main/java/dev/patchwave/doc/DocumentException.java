package dev.patchwave.doc;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A document that cannot be accepted, with every problem found. Thrown by readers once they have
 * looked at the whole document, never after the first problem.
 */
public final class DocumentException extends Exception {
  private final List<Problem> problems;

  public DocumentException(List<Problem> problems) {
    super(
        problems.size()
            + (problems.size() == 1 ? " problem: " : " problems: ")
            + problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
    this.problems = List.copyOf(problems);
  }

  public DocumentException(Problem problem) {
    this(List.of(problem));
  }

  public List<Problem> problems() {
    return problems;
  }
}
