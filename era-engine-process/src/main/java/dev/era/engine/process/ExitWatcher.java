package dev.era.engine.process;

import dev.era.api.AppStatus;
import dev.era.api.ExitListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Tells each start's listener, exactly once, that its work ended on its own. Work this engine
 * instance spawned is watched through {@link Process#onExit()} (the JDK reaps it); work reattached
 * after a restart is not our child, so one shared thread polls {@code /proc} for all of it.
 * {@link #cancel} (used by stop) makes sure a stopped work's listener is never told.
 */
final class ExitWatcher {
    static final Duration POLL = Duration.ofMillis(200);
    private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);

    /** Work is identified by pid and start time, never by pid alone. */
    private record Key(long pid, long startTicks) {
        static Key of(WorkRef ref) {
            return new Key(ref.pid(), ref.startTicks());
        }
    }

    private static final class Watch {
        final WorkRef ref;
        final boolean polled;
        volatile ExitListener listener;

        Watch(WorkRef ref, boolean polled, ExitListener listener) {
            this.ref = ref;
            this.polled = polled;
            this.listener = listener;
        }
    }

    private final Map<Key, Watch> watches = new ConcurrentHashMap<>();
    /** Listeners and the cleanup after an exit may block; each runs on its own virtual thread so none delays another. */
    private final Executor notifier = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("era-process-exit-", 0).factory());
    /** Turns an ended work into its exit status and cleans up after it; the code is the wrapper's own when known. */
    private final BiFunction<WorkRef, OptionalInt, AppStatus.Exited> ended;
    private ScheduledExecutorService poller;

    ExitWatcher(BiFunction<WorkRef, OptionalInt, AppStatus.Exited> ended) {
        this.ended = ended;
    }

    void watchSpawned(WorkRef ref, Process process, ExitListener listener) {
        Watch watch = new Watch(ref, false, listener);
        watches.put(Key.of(ref), watch);
        // async: when the work is already over, the listener must still not run inside start()
        process.onExit().thenRunAsync(() -> fire(watch, OptionalInt.of(process.exitValue())), notifier);
    }

    /**
     * Watches work that is not our child. When the work is already watched (a repeated start or
     * recover), the newest listener replaces the old one, so that whoever asked last is told, once.
     */
    void watchReattached(WorkRef ref, ExitListener listener) {
        Watch existing = watches.computeIfAbsent(Key.of(ref), k -> new Watch(ref, true, listener));
        existing.listener = listener;
        if (existing.polled) {
            ensurePolling();
        }
    }

    /** Forgets the work without telling its listener. */
    void cancel(WorkRef ref) {
        watches.remove(Key.of(ref));
    }

    private synchronized void ensurePolling() {
        if (poller == null) {
            poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("era-process-exit-poller").factory());
            poller.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void poll() {
        for (Watch watch : watches.values()) {
            if (watch.polled && !watch.ref.alive()) {
                notifier.execute(() -> fire(watch, OptionalInt.empty()));
            }
        }
    }

    private void fire(Watch watch, OptionalInt code) {
        // remove(key, watch) succeeds for one caller only: that is the "exactly once"
        if (!watches.remove(Key.of(watch.ref), watch)) {
            return;
        }
        try {
            watch.listener.exited(ended.apply(watch.ref, code));
        } catch (RuntimeException e) {
            LOG.warn("exit listener of pid {} failed", watch.ref.pid(), e);
        }
    }
}
