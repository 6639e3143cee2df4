package dev.era.cli;

/** A failure the CLI itself reports (a file that cannot be read, a deployment that failed). */
final class CliException extends RuntimeException {
    private final int exitCode;

    CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(String message) {
        this(message, EraCli.FAILED);
    }

    int exitCode() {
        return exitCode;
    }
}
