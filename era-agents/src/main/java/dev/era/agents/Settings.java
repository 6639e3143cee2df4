package dev.era.agents;

import java.time.Duration;

/**
 * The runtime's limits, frozen at {@link EraAgents.Builder#start()}.
 *
 * @param idleTimeout     an agent without a tick for this long is dropped from memory
 * @param maxActive       more loaded agents than this and the least recently used idle ones are dropped
 * @param maxTickDuration a tick running longer is interrupted and fails
 * @param maxAttempts     attempts per trigger before it is dead-lettered (1 = no retry)
 * @param firstBackoff    wait before the first retry; doubles per retry up to {@code maxBackoff}
 * @param mailboxCapacity triggers queued per agent before senders are refused
 * @param alarmHorizon    alarms due within this window are held in memory; later ones stay in the store
 */
record Settings(Duration idleTimeout, int maxActive, Duration maxTickDuration, int maxAttempts, Duration firstBackoff,
                Duration maxBackoff, int mailboxCapacity, Duration alarmHorizon) {
    static Settings defaults() {
        return new Settings(Duration.ofMinutes(1), 100_000, Duration.ofSeconds(30), 3, Duration.ofMillis(100),
                Duration.ofSeconds(30), 10_000, Duration.ofSeconds(30));
    }

    Duration backoff(int attemptsSoFar) {
        long ms = firstBackoff.toMillis() << Math.min(20, Math.max(0, attemptsSoFar - 1));
        return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
    }
}
