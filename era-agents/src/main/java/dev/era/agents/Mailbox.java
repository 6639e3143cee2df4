package dev.era.agents;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The non-reentrant mailbox of one agent (the Orleans/Dapr turn model): items are handled one at
 * a time, in arrival order, and the next starts only when the previous turn has ENDED, which for
 * a tick means after its commit, possibly on another thread and much later. No thread is held
 * while a turn waits for its commit.
 * <p>
 * A mailbox with nothing queued and no turn in progress can be retired (its agent hibernated);
 * an offer to a retired mailbox is refused, and the caller makes a new one. Retiring and offering
 * are atomic with each other, so no item is ever stranded in a retired mailbox.
 */
final class Mailbox<T> {
    /** Handles one item; the returned future completes when the turn has ended. */
    @FunctionalInterface
    interface Handler<T> {
        CompletableFuture<Void> handle(T item);
    }

    enum Offer { ACCEPTED, FULL, RETIRED }

    static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** Turns run back to back before the drain yields its thread, so that one busy agent cannot starve the others. */
    static final int BATCH = 32;

    private static final int IDLE = 0;
    private static final int SCHEDULED = 1;
    private static final int RETIRED = 2;

    private final Executor executor;
    private final Handler<T> handler;
    /** Created on first use and dropped when empty, so an idle agent costs no queue. Guarded by this. */
    private ArrayDeque<T> queue;
    private int state = IDLE;

    Mailbox(Executor executor, Handler<T> handler) {
        this.executor = executor;
        this.handler = handler;
    }

    Offer offer(T item, int capacity) {
        boolean schedule;
        synchronized (this) {
            if (state == RETIRED) {
                return Offer.RETIRED;
            }
            if (queue == null) {
                queue = new ArrayDeque<>(4);
            } else if (queue.size() >= capacity) {
                return Offer.FULL;
            }
            queue.add(item);
            schedule = state == IDLE;
            if (schedule) {
                state = SCHEDULED;
            }
        }
        if (schedule) {
            executor.execute(this::drain);
        }
        return Offer.ACCEPTED;
    }

    /**
     * As {@link #offer}, but when the mailbox was idle the caller runs this one turn itself instead
     * of handing it to the executor: a warm tick then costs no thread wake-up (which on a virtual
     * machine with idle cores can cost tens of microseconds). Anything queued behind it goes to the
     * executor, so a caller never runs other senders' turns. Only for callers outside the runtime
     * (a timer or commit thread must never run agent code).
     */
    Offer offerAndRun(T item, int capacity) {
        boolean run;
        synchronized (this) {
            if (state == RETIRED) {
                return Offer.RETIRED;
            }
            if (queue == null) {
                queue = new ArrayDeque<>(4);
            } else if (queue.size() >= capacity) {
                return Offer.FULL;
            }
            queue.add(item);
            run = state == IDLE;
            if (run) {
                state = SCHEDULED;
            }
        }
        if (run) {
            T next;
            synchronized (this) {
                next = queue.poll();
            }
            CompletableFuture<Void> turn;
            try {
                turn = handler.handle(next);
            } catch (RuntimeException | Error e) {
                turn = DONE;
            }
            if (turn.isDone()) {
                resume();
            } else {
                turn.whenComplete((ignored, failure) -> resume());
            }
        }
        return Offer.ACCEPTED;
    }

    /** Retires the mailbox if nothing is queued or running; afterwards every offer is refused. */
    synchronized boolean retireIfIdle() {
        if (state == IDLE && (queue == null || queue.isEmpty())) {
            state = RETIRED;
            queue = null;
            return true;
        }
        return false;
    }

    /** Removes and returns what is queued (not the turn in progress); for closing. */
    synchronized java.util.List<T> takeQueued() {
        java.util.List<T> out = queue == null ? java.util.List.of() : new java.util.ArrayList<>(queue);
        if (queue != null) {
            queue.clear();
        }
        return out;
    }

    synchronized boolean idle() {
        return state == IDLE;
    }

    synchronized boolean retired() {
        return state == RETIRED;
    }

    synchronized int queued() {
        return queue == null ? 0 : queue.size();
    }

    @Override
    public synchronized String toString() {
        return "Mailbox[state=" + state + ", queued=" + (queue == null ? "none" : queue.size()) + "]";
    }

    private void drain() {
        for (int i = 0; i < BATCH; i++) {
            T next;
            synchronized (this) {
                next = queue == null ? null : queue.poll();
                if (next == null) {
                    state = IDLE;
                    queue = null;
                    return;
                }
            }
            CompletableFuture<Void> turn;
            try {
                turn = handler.handle(next);
            } catch (RuntimeException | Error e) {
                // The handler reports its own failures; one that escapes must not wedge the mailbox.
                turn = DONE;
            }
            if (!turn.isDone()) {
                turn.whenComplete((ignored, failure) -> resume());
                return;
            }
        }
        executor.execute(this::drain);
    }

    /**
     * Ends a turn that finished on another thread (a tick's commit): goes idle right there when
     * nothing is queued, which is the common case, instead of paying for a thread hand-off only to
     * find the queue empty.
     */
    private void resume() {
        synchronized (this) {
            if (queue == null || queue.isEmpty()) {
                state = IDLE;
                queue = null;
                return;
            }
        }
        executor.execute(this::drain);
    }
}
