package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.DueAlarm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;

/**
 * Fires due alarms. The store is the truth; this keeps in memory only the alarms due within a
 * horizon (the next 30 s by default) in a priority queue behind one timer, and reloads the next
 * window from the store as time passes. At start it loads everything due before the horizon,
 * which includes alarms that fell due while the process was down.
 * <p>
 * Entries are hints: the tick checks the alarm against the agent's stored alarms and skips one
 * that was cancelled, moved or already handled, so a duplicate here costs nothing but a lookup.
 */
final class AlarmClock {
    private static final Logger LOG = LoggerFactory.getLogger(AlarmClock.class);
    /** When a mailbox is full, an alarm tries again this much later (its due time, which the tick checks, is kept). */
    static final long FULL_RETRY_MS = 1_000;

    private record Due(long fireAtMs, long dueMs, AgentRef agent, String name) {
    }

    private final AgentStore store;
    private final Clock clock;
    private final Timer timer;
    private final Executor executor;
    private final long horizonMs;
    private final LocalAgentRuntime runtime;
    private final PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> Long.compare(a.fireAtMs, b.fireAtMs));
    private long horizonEndMs;
    private Timer.Cancellable armed;
    private long armedForMs = Long.MAX_VALUE;
    private boolean stopped;
    /** Serializes refills (each queries the store) without holding the queue's lock meanwhile. */
    private final Object refilling = new Object();

    AlarmClock(AgentStore store, Clock clock, Timer timer, Executor executor, Duration horizon, LocalAgentRuntime runtime) {
        this.store = store;
        this.clock = clock;
        this.timer = timer;
        this.executor = executor;
        this.horizonMs = horizon.toMillis();
        this.runtime = runtime;
    }

    void start() {
        long end;
        synchronized (this) {
            end = clock.millis() + horizonMs;
            horizonEndMs = end;
        }
        List<DueAlarm> due = store.alarmsDue(Instant.ofEpochMilli(Long.MIN_VALUE), Instant.ofEpochMilli(end));
        synchronized (this) {
            for (DueAlarm d : due) {
                add(d.agent(), d.alarm());
            }
            arm();
        }
        scheduleRefill();
    }

    /** Queues again the alarms of {@code agents} due before the horizon (they just changed owner). */
    void rescan(java.util.function.Predicate<AgentRef> agents) {
        long end;
        synchronized (this) {
            if (stopped) {
                return;
            }
            end = horizonEndMs;
        }
        List<DueAlarm> due = store.alarmsDue(Instant.ofEpochMilli(Long.MIN_VALUE), Instant.ofEpochMilli(end));
        synchronized (this) {
            for (DueAlarm d : due) {
                if (agents.test(d.agent())) {
                    add(d.agent(), d.alarm());
                }
            }
            arm();
        }
    }

    void stop() {
        synchronized (this) {
            stopped = true;
            if (armed != null) {
                armed.cancel();
            }
            queue.clear();
        }
    }

    /** Alarms just committed: those due before the horizon join the queue; later ones wait in the store. */
    void scheduled(AgentRef agent, List<AlarmInfo> alarms) {
        synchronized (this) {
            for (AlarmInfo a : alarms) {
                if (a.due().toEpochMilli() < horizonEndMs) {
                    add(agent, a);
                }
            }
            arm();
        }
    }

    synchronized int queued() {
        return queue.size();
    }

    private void add(AgentRef agent, AlarmInfo a) {
        long due = a.due().toEpochMilli();
        queue.add(new Due(due, due, agent, a.name()));
    }

    /** Under the lock: makes sure the timer is set for the head of the queue. */
    private void arm() {
        Due head = queue.peek();
        if (stopped || head == null || (armed != null && head.fireAtMs >= armedForMs)) {
            return;
        }
        if (armed != null) {
            armed.cancel();
        }
        armedForMs = head.fireAtMs;
        armed = timer.schedule(Duration.ofMillis(Math.max(0, head.fireAtMs - clock.millis())), this::fire);
    }

    /** On the timer thread: hands every due alarm to its agent's mailbox, which is quick. */
    private void fire() {
        List<Due> due = new ArrayList<>();
        long now;
        synchronized (this) {
            armed = null;
            armedForMs = Long.MAX_VALUE;
            now = clock.millis();
            while (!queue.isEmpty() && queue.peek().fireAtMs <= now) {
                due.add(queue.poll());
            }
        }
        List<Due> later = new ArrayList<>();
        for (Due d : due) {
            try {
                if (!runtime.deliverAlarm(d.agent, d.name, Instant.ofEpochMilli(d.dueMs))) {
                    later.add(new Due(now + FULL_RETRY_MS, d.dueMs, d.agent, d.name));
                }
            } catch (RuntimeException e) {
                // An unregistered type or a closing runtime: the alarm stays in the store for a later start.
                LOG.warn("The alarm '{}' of {} could not be delivered: {}", d.name, d.agent, e.getMessage());
            }
        }
        synchronized (this) {
            queue.addAll(later);
            arm();
        }
    }

    private void scheduleRefill() {
        synchronized (this) {
            if (stopped) {
                return;
            }
        }
        // Rescheduled from the timer task itself (see Hibernator.schedule for why).
        timer.schedule(Duration.ofMillis(Math.max(1, horizonMs / 2)), () -> {
            scheduleRefill();
            executor.execute(this::refill);
        });
    }

    /**
     * Moves the horizon forward, then loads the alarms of the new window. In that order: a commit
     * that happens meanwhile either sees the new horizon and queues its alarm itself, or happened
     * before the query, which then finds it.
     */
    private void refill() {
        synchronized (refilling) {
            refillWindow();
        }
    }

    private void refillWindow() {
        long from;
        long to;
        synchronized (this) {
            if (stopped) {
                return;
            }
            from = horizonEndMs;
            to = Math.max(from, clock.millis() + horizonMs);
            horizonEndMs = to;
        }
        try {
            List<DueAlarm> due = to > from ? store.alarmsDue(Instant.ofEpochMilli(from), Instant.ofEpochMilli(to)) : List.of();
            synchronized (this) {
                for (DueAlarm d : due) {
                    add(d.agent(), d.alarm());
                }
                arm();
            }
        } catch (RuntimeException e) {
            LOG.error("Could not load the alarms due before {}; they fire after the next successful load", Instant.ofEpochMilli(to), e);
            synchronized (this) {
                horizonEndMs = Math.min(horizonEndMs, from); // the next refill tries this window again
            }
        }
    }
}
