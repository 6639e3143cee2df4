package dev.era.api;

import java.time.Duration;

/**
 * How a running deployment moves to a new version of its spec.
 *
 * @param strategy        blue-green (start the new version beside the old, check it, cut over, stop the old)
 *                        or recreate (stop the old, then start the new)
 * @param healthyDeadline how long the new version has to pass its health checks (and stay healthy for
 *                        {@code minHealthyTime}); when it does not, the update is rolled back
 * @param minHealthyTime  how long the new version must stay healthy after its first pass before it serves
 */
public record UpdatePolicy(Strategy strategy, Duration healthyDeadline, Duration minHealthyTime) {
    public enum Strategy { BLUE_GREEN, RECREATE }

    /** Recreate, one minute to become healthy, no extra wait: what a spec without {@code update} or {@code port} gets. */
    public static final UpdatePolicy DEFAULT = new UpdatePolicy(Strategy.RECREATE, Duration.ofSeconds(60), Duration.ZERO);
}
