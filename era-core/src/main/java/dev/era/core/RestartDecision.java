package dev.era.core;

import dev.era.api.RestartPolicy;

import java.time.Duration;

/**
 * What the restart policy says about work that ended (or failed its health checks): the event to
 * fire, the new restart count, and the sentence that explains it.
 */
record RestartDecision(LifecycleEvent event, int restarts, Duration backoff, String message) {

    /**
     * @param exitCode   the exit code, or -1 for "still running but unhealthy"
     * @param cause      what happened, in words ("exited with code 3", "failed 3 health checks: ...")
     * @param restarts   restarts so far in this crash loop
     * @param upFor      how long the work had been up; longer than the policy's reset time starts a new loop
     */
    static RestartDecision decide(RestartPolicy policy, int exitCode, String cause, int restarts, Duration upFor) {
        int soFar = upFor.compareTo(policy.resetAfter()) >= 0 ? 0 : restarts;
        boolean failure = exitCode != 0;
        if (!policy.restarts(failure ? 1 : 0)) {
            return failure
                    ? new RestartDecision(LifecycleEvent.GAVE_UP, soFar, Duration.ZERO,
                            cause + "; restart policy is " + mode(policy) + ", so it stays down")
                    : new RestartDecision(LifecycleEvent.COMPLETED, soFar, Duration.ZERO, cause);
        }
        if (soFar >= policy.maxRetries()) {
            return new RestartDecision(LifecycleEvent.GAVE_UP, soFar, Duration.ZERO, cause + "; gave up after "
                    + soFar + " restarts in a row (restart.maxRetries=" + policy.maxRetries() + ")");
        }
        Duration backoff = policy.backoff(soFar + 1);
        return new RestartDecision(LifecycleEvent.CRASHED, soFar + 1, backoff, cause + "; restart "
                + (soFar + 1) + " of " + policy.maxRetries() + " in " + SpecCodec.duration(backoff));
    }

    private static String mode(RestartPolicy p) {
        return p.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
