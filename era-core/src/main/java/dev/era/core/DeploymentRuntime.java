package dev.era.core;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The in-memory companion of one deployment: its mailbox and what only lives while the daemon
 * runs (timers, the prober, waiters). Fields are touched only from the mailbox, except
 * {@code waiters} (guarded by itself).
 */
final class DeploymentRuntime {
    final SerialExecutor mailbox;
    /** Incremented whenever work is started or deliberately ended; exits and probe results of older activations are stale. */
    long activation;
    Instant upSince = Instant.EPOCH;
    HealthProber prober;
    Scheduler.Cancellable restartTimer;
    /** Incremented whenever a new version's work is started or given up; its exits and verdicts of older ones are stale. */
    long candidate;
    /** The candidate token of the work that now serves after a cut-over (its exits count as the deployment's), or 0. */
    long promoted;
    HealthProber candidateProber;
    final java.util.List<Scheduler.Cancellable> candidateTimers = new ArrayList<>();
    final ArrayDeque<String> history = new ArrayDeque<>();
    final List<CompletableFuture<Deployment>> waiters = new ArrayList<>();

    DeploymentRuntime(SerialExecutor mailbox) {
        this.mailbox = mailbox;
    }

    void remember(String step) {
        history.addLast(step);
        while (history.size() > 8) {
            history.removeFirst();
        }
    }

    /** Cancels the prober only: the work goes on (frozen), and its exit still counts. */
    void stopProbing() {
        if (prober != null) {
            prober.cancel();
            prober = null;
        }
    }

    /** Cancels the checks of an update's new version; its later exits and verdicts are stale. */
    void stopCandidateChecks() {
        candidate++;
        if (candidateProber != null) {
            candidateProber.cancel();
            candidateProber = null;
        }
        candidateTimers.forEach(Scheduler.Cancellable::cancel);
        candidateTimers.clear();
    }

    /** Cancels the probers, any pending restart and an update's checks; the current activation ends. */
    void quiesce() {
        activation++;
        promoted = 0;
        stopCandidateChecks();
        if (prober != null) {
            prober.cancel();
            prober = null;
        }
        if (restartTimer != null) {
            restartTimer.cancel();
            restartTimer = null;
        }
    }

    void settle(Deployment d) {
        List<CompletableFuture<Deployment>> done;
        synchronized (waiters) {
            done = List.copyOf(waiters);
            waiters.clear();
        }
        done.forEach(f -> f.complete(d));
    }
}
