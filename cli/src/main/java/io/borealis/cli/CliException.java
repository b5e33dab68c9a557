package io.borealis.cli;

import java.util.List;

/**
 * A failure the user is told about in plain words, with the exit code scripts rely on: {@link
 * #REFUSED} when the scheduler said no, {@link #USAGE} when the command line, a file or the cluster
 * configuration is wrong, {@link #UNREACHABLE} when no scheduler answered.
 */
class CliException extends RuntimeException {

  static final int REFUSED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;

  private final int exitCode;
  private final List<String> details;

  CliException(int exitCode, String message, List<String> details) {
    // No stack trace: it is never shown, and these are expected outcomes, not bugs.
    super(message, null, false, false);
    this.exitCode = exitCode;
    this.details = List.copyOf(details);
  }

  static CliException usage(String message) {
    return new CliException(USAGE, message, List.of());
  }

  static CliException refused(String message, List<String> details) {
    return new CliException(REFUSED, message, details);
  }

  static CliException refused(String message) {
    return refused(message, List.of());
  }

  static CliException refused(Problem problem) {
    return new ProblemException(problem, List.of());
  }

  /** The scheduler's refusal, with lines that say what to do about it below its own. */
  static CliException refused(Problem problem, List<String> advice) {
    return new ProblemException(problem, advice);
  }

  static CliException unreachable(String message) {
    return new CliException(UNREACHABLE, message, List.of());
  }

  int exitCode() {
    return exitCode;
  }

  /** Lines printed below the message, such as one per bad field. */
  List<String> details() {
    return details;
  }

  /** The scheduler answered with an error status; the problem body says why. */
  static final class ProblemException extends CliException {
    private final Problem problem;

    ProblemException(Problem problem, List<String> advice) {
      super(
          REFUSED,
          problem.summary(),
          java.util.stream.Stream.concat(problem.fieldLines().stream(), advice.stream()).toList());
      this.problem = problem;
    }

    Problem problem() {
      return problem;
    }
  }
}
