package dev.era.daemon;

/** The daemon could not start (data directory, port or socket unusable); the message says what to change. */
public final class DaemonStartException extends RuntimeException {
    public DaemonStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
