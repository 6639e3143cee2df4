package dev.era.api;

import java.time.Duration;

/**
 * A health probe and its timing. A deployment becomes RUNNING after {@code successThreshold}
 * consecutive passes, and unhealthy after {@code failureThreshold} consecutive failures.
 * It fails its deployment when it has not passed within {@code deadline}.
 */
public record HealthCheck(Probe probe, Duration initialDelay, Duration interval, Duration timeout,
                          int successThreshold, int failureThreshold, Duration deadline) {
    public static final HealthCheck NONE = new HealthCheck(Probe.NONE, Duration.ZERO, Duration.ofSeconds(1),
            Duration.ofSeconds(1), 1, 3, Duration.ofSeconds(60));

    public boolean enabled() {
        return !(probe instanceof Probe.None);
    }
}
