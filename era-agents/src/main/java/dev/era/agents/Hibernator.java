package dev.era.agents;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drops agents from memory: those idle longer than the idle timeout, and, when more agents are
 * loaded than the cap, the least recently used idle ones. A dropped agent costs no heap at all:
 * its activation leaves the registry (its state is already in the store; its connections live
 * in {@link Sockets}). The next trigger makes a new activation and loads it.
 * <p>
 * The hot path only writes a timestamp; ordering happens here, in a sweep over the registry
 * that runs periodically and when the cap is exceeded. The sweep brings the count down to 90%
 * of the cap, so a stream of new agents sweeps once per tenth of the cap, not once per agent.
 */
final class Hibernator {
    private final LocalAgentRuntime runtime;
    private final TickRunner runner;
    private final Clock clock;
    private final Timer timer;
    private final Executor executor;
    private final Settings settings;
    /** Sweep requests not yet served; a request made during a sweep causes one more sweep after it. */
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean stopped;

    Hibernator(LocalAgentRuntime runtime, TickRunner runner, Clock clock, Timer timer, Executor executor, Settings settings) {
        this.runtime = runtime;
        this.runner = runner;
        this.clock = clock;
        this.timer = timer;
        this.executor = executor;
        this.settings = settings;
    }

    void start() {
        schedule();
    }

    void stop() {
        stopped = true;
    }

    /** Called when an agent is loaded; sweeps soon if that made too many. */
    void activated() {
        if (runner.loaded.get() > settings.maxActive()) {
            requestSweep();
        }
    }

    /**
     * Coalesces requests: at most one sweep runs or waits at a time, and one requested while a
     * sweep runs is served by another pass afterwards (which reads the clock afresh), never dropped.
     */
    void requestSweep() {
        if (requests.getAndIncrement() == 0) {
            executor.execute(() -> {
                int served;
                do {
                    served = requests.get();
                    sweep();
                } while (requests.addAndGet(-served) > 0);
            });
        }
    }

    /** One pass over the registry; returns how many agents it dropped. */
    synchronized int sweep() {
        long idleBefore = clock.millis() - settings.idleTimeout().toMillis();
        boolean overCap = runner.loaded.get() > settings.maxActive();
        List<Activation> candidates = overCap ? new ArrayList<>() : List.of();
        int dropped = 0;
        for (Activation a : runtime.activations()) {
            if (a.lastUsedMs <= idleBefore || !a.loaded()) {
                if (runtime.retire(a)) {
                    dropped++;
                }
            } else if (overCap) {
                candidates.add(a);
            }
        }
        int target = settings.maxActive() - settings.maxActive() / 10;
        int over = runner.loaded.get() - target;
        if (overCap && over > 0) {
            candidates.sort(Comparator.comparingLong(a -> a.lastUsedMs));
            for (Activation a : candidates) {
                if (over <= 0) {
                    break;
                }
                if (runtime.retire(a)) {
                    over--;
                    dropped++;
                }
            }
        }
        return dropped;
    }

    /**
     * The next sweep is scheduled by the timer task itself, not after the sweep: the period then
     * does not drift, and a manual clock moved far ahead runs every sweep on the way.
     */
    private void schedule() {
        if (stopped) {
            return;
        }
        long period = Math.clamp(settings.idleTimeout().toMillis() / 2, 10, 30_000);
        timer.schedule(Duration.ofMillis(period), () -> {
            schedule();
            requestSweep();
        });
    }
}
