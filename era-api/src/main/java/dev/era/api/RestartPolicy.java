package dev.era.api;

import java.time.Duration;

/**
 * What to do when the process exits on its own. Restarts back off exponentially from
 * {@code initialBackoff} to {@code maxBackoff}; after {@code maxRetries} restarts in a row without
 * the process staying up for {@code resetAfter}, the deployment ends FAILED.
 */
public record RestartPolicy(Mode mode, int maxRetries, Duration initialBackoff, Duration maxBackoff,
                            Duration resetAfter) {
    public enum Mode { NEVER, ON_FAILURE, ALWAYS }

    public static final RestartPolicy DEFAULT = new RestartPolicy(Mode.ON_FAILURE, 5,
            Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(30));

    /** Whether an exit with {@code exitCode} should be followed by a restart (ignoring the retry budget). */
    public boolean restarts(int exitCode) {
        return switch (mode) {
            case NEVER -> false;
            case ON_FAILURE -> exitCode != 0;
            case ALWAYS -> true;
        };
    }

    /** The delay before restart number {@code attempt} (1-based). */
    public Duration backoff(int attempt) {
        long millis = initialBackoff.toMillis();
        for (int i = 1; i < attempt && millis < maxBackoff.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
