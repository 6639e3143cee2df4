package dev.era.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An agent's durable alarms, each known by a name. Setting an alarm whose name exists replaces
 * it, so scheduling is idempotent. A due alarm wakes the agent with a {@link Trigger.Alarm}, at
 * least once: it survives restarts and crashes, and a failed tick is retried with backoff before
 * the alarm is dead-lettered. A one-shot alarm is removed when its tick commits; a recurring
 * one moves to its next time (occurrences missed while the process was down fire once).
 * <p>
 * Changes are part of the tick's transaction.
 */
public interface Alarms {
    /** Most alarms one agent may have. */
    int MAX_ALARMS = 1_000;
    /** Longest alarm name, in characters. */
    int MAX_NAME_LENGTH = 256;

    /** Sets (or replaces) the alarm {@code name}. {@code data} comes back in the trigger. */
    void set(String name, Schedule schedule, String data);

    default void at(String name, Instant when) {
        set(name, new Schedule.Once(when), "");
    }

    default void at(String name, Instant when, String data) {
        set(name, new Schedule.Once(when), data);
    }

    /** Sets a one-shot alarm {@code delay} after this tick's {@link AgentContext#now()}. */
    void after(String name, Duration delay, String data);

    default void after(String name, Duration delay) {
        after(name, delay, "");
    }

    /** A recurring alarm; the first occurrence is one period after this tick's now. */
    default void every(String name, Duration period) {
        set(name, new Schedule.Every(period), "");
    }

    /** A recurring alarm on a cron expression; see {@link Schedule.Cron} for the subset. */
    default void cron(String name, String expression) {
        set(name, new Schedule.Cron(expression), "");
    }

    /** Removes the alarm; returns whether it existed. */
    boolean cancel(String name);

    Optional<AlarmInfo> get(String name);

    /** Every alarm of this agent, soonest first. */
    List<AlarmInfo> list();
}
