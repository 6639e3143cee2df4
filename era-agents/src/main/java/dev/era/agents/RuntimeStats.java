package dev.era.agents;

/**
 * Counters of a runtime since it started.
 *
 * @param activations  agents with an entry in memory (loaded, or holding queued triggers)
 * @param loaded       agents whose instance and state are in memory
 * @param connections  open connections
 * @param ticks        ticks run (including failed attempts)
 * @param wakes        agents loaded from the store
 * @param failures     failed attempts (thrown, over the time limit, or commit failed)
 * @param retries      attempts retried after a backoff
 * @param deadLettered triggers given up on
 * @param commits      store transactions (each carries many ticks under load)
 * @param writes       ticks and dead letters committed
 * @param alarmsQueued alarms held in memory, due within the horizon
 */
public record RuntimeStats(int activations, int loaded, int connections, long ticks, long wakes, long failures,
                           long retries, long deadLettered, long commits, long writes, int alarmsQueued) {
}
