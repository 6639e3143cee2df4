package dev.era.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory companion of one sandbox: its stored record, its activity clock and idle timer,
 * and its execution records (which live only as long as the daemon runs).
 */
final class SandboxEntry {
    /** Held for lifecycle changes (resume, suspend, delete), so that two requests do not race. */
    final ReentrantLock lifecycle = new ReentrantLock();
    /** Named shells run one command at a time each. */
    final Map<String, Semaphore> shells = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, ExecutionRun> runs = new LinkedHashMap<>();
    private volatile SandboxRecord record;
    private volatile Instant lastActivity;
    private Scheduler.Cancellable idleTimer; // guarded by this
    private volatile boolean removed;
    /** True until its deployment has been submitted (it has none before): it is provisioning, not gone. */
    private volatile boolean creating;

    SandboxEntry(SandboxRecord record, Instant now, boolean creating) {
        this.record = record;
        this.lastActivity = now;
        this.creating = creating;
    }

    boolean creating() {
        return creating;
    }

    void created() {
        creating = false;
    }

    SandboxRecord record() {
        return record;
    }

    void record(SandboxRecord r) {
        record = r;
    }

    String id() {
        return record.id();
    }

    Instant lastActivity() {
        return lastActivity;
    }

    void touched(Instant now) {
        lastActivity = now;
    }

    boolean removed() {
        return removed;
    }

    /** Marks the entry gone and returns its runs, for the caller to kill. */
    List<ExecutionRun> remove() {
        removed = true;
        synchronized (this) {
            if (idleTimer != null) {
                idleTimer.cancel();
                idleTimer = null;
            }
            List<ExecutionRun> all = new ArrayList<>(runs.values());
            runs.clear();
            return all;
        }
    }

    synchronized boolean idleTimerArmed() {
        return idleTimer != null;
    }

    synchronized void idleTimer(Scheduler.Cancellable timer) {
        idleTimer = timer;
    }

    /** Adds a run; beyond {@code keep} runs the oldest finished ones are forgotten. */
    synchronized void add(ExecutionRun run, int keep) {
        runs.put(run.id, run);
        Iterator<ExecutionRun> it = runs.values().iterator();
        while (runs.size() > keep && it.hasNext()) {
            if (it.next().finished()) {
                it.remove();
            }
        }
    }

    synchronized Optional<ExecutionRun> run(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    synchronized List<ExecutionRun> runs() {
        return List.copyOf(runs.values());
    }

    /** Whether a command (or an interactive session) still runs: the sandbox is busy, not idle. */
    synchronized boolean busy() {
        return runs.values().stream().anyMatch(r -> !r.finished());
    }
}
