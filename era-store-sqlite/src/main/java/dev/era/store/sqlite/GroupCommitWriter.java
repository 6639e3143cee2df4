package dev.era.store.sqlite;

import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import dev.era.api.StoreException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store's only writer: one thread owns the write connection, takes every write operation
 * queued at that moment and commits them in ONE transaction (group commit), then tells each
 * caller its result. Under load many writes share one commit, so the commit cost (the WAL
 * append and its locks) is paid once per batch instead of once per write.
 * <p>
 * Each operation runs inside its own savepoint, so one that fails (a name conflict, a missing
 * deployment) is undone alone and the rest of its batch still commits. A caller's result is
 * released only after COMMIT returned: when {@link #write} returns, the write is durable.
 */
final class GroupCommitWriter implements AutoCloseable {
    /** One unit of work, run on the writer thread inside a transaction; must touch nothing but {@code c}. */
    @FunctionalInterface
    interface WriteOp<T> {
        T apply(Connection c) throws SQLException;
    }

    private record Pending<T>(WriteOp<T> op, CompletableFuture<T> done) {
        void succeed(Object result) {
            @SuppressWarnings("unchecked") T t = (T) result;
            done.complete(t);
        }
    }

    /** Bounds a transaction's size, so one huge burst does not hold every caller until all of it is done. */
    static final int MAX_BATCH = 512;

    private static final Pending<Void> STOP = new Pending<>(c -> null, new CompletableFuture<>());

    private final Connection conn;
    private final Path file;
    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    /** Makes "not closed, so enqueue" atomic with close(), so that nothing is enqueued after STOP. */
    private final ReentrantLock admission = new ReentrantLock();
    private final AtomicLong commits = new AtomicLong();
    private final Thread thread;
    private boolean closed;

    GroupCommitWriter(Connection conn, Path file) {
        this.conn = conn;
        this.file = file;
        // A daemon thread: a store that is never closed must not keep the JVM alive. Writes still
        // queued then are simply never acknowledged, so no caller is told something false.
        this.thread = Thread.ofPlatform().name("era-sqlite-writer").daemon(true).unstarted(this::run);
        thread.start();
    }

    /**
     * Runs {@code op} in the next group commit and waits until it is committed. The wait ignores
     * interrupts on purpose: an abandoned write could still commit, and the caller would not know.
     */
    <T> T write(WriteOp<T> op) {
        try {
            return submit(op).join();
        } catch (CompletionException e) {
            throw inCallerThread(e.getCause());
        }
    }

    /** Queues {@code op} without waiting; for tests that need to control when the writer runs. */
    <T> CompletableFuture<T> submit(WriteOp<T> op) {
        Pending<T> p = new Pending<>(op, new CompletableFuture<>());
        admission.lock();
        try {
            if (closed) {
                throw new StoreException("The state store " + file + " is closed; writes are refused",
                        Map.of("file", file.toString()));
            }
            queue.add(p);
        } finally {
            admission.unlock();
        }
        return p.done();
    }

    /** Transactions committed so far. */
    long commits() {
        return commits.get();
    }

    /** Operations waiting for the writer thread. */
    int queued() {
        return queue.size();
    }

    /** Commits everything already queued, then stops the thread. Idempotent. */
    @Override
    public void close() {
        admission.lock();
        try {
            if (!closed) {
                closed = true;
                queue.add(STOP);
            }
        } finally {
            admission.unlock();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // finish closing first: the connection must not be closed under the writer
            }
        }
        try {
            conn.close();
        } catch (SQLException e) {
            throw Failures.store(file, "close the write connection", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        List<Pending<?>> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() stops the writer, and it does so through the queue
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            // STOP is the last thing ever queued, so when present it ends the batch.
            if (batch.getLast() == STOP) {
                batch.removeLast();
                stopping = true;
            }
            try {
                List<Pending<?>> remaining = batch;
                while (!remaining.isEmpty()) {
                    remaining = commit(remaining);
                }
            } catch (Throwable t) {
                // Keep the writer alive whatever happened; callers must never wait forever.
                Connections.rollbackQuietly(conn);
                batch.forEach(p -> p.done().completeExceptionally(Failures.ofWrite(file, t)));
            }
            batch.clear();
        }
    }

    /**
     * Runs {@code batch} in one transaction and completes the futures of its operations after the
     * commit. Returns the operations to run again when SQLite threw the whole transaction away.
     */
    private List<Pending<?>> commit(List<Pending<?>> batch) {
        try {
            Connections.exec(conn, "BEGIN IMMEDIATE");
        } catch (SQLException e) {
            failAll(batch, Failures.store(file, "begin a transaction", e));
            return List.of();
        }
        Object[] results = new Object[batch.size()];
        Throwable[] failures = new Throwable[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            try {
                Connections.exec(conn, "SAVEPOINT op");
                results[i] = batch.get(i).op().apply(conn);
                Connections.exec(conn, "RELEASE op");
            } catch (Throwable t) {
                failures[i] = t;
                try {
                    Connections.exec(conn, "ROLLBACK TO op");
                    Connections.exec(conn, "RELEASE op");
                } catch (SQLException lost) {
                    // SQLite rolled back the whole transaction by itself (it does on SQLITE_FULL,
                    // SQLITE_IOERR, SQLITE_NOMEM): the work of the earlier operations is gone too.
                    // Fail this one and run the others again in a fresh transaction.
                    Connections.rollbackQuietly(conn);
                    batch.get(i).done().completeExceptionally(Failures.ofWrite(file, t));
                    List<Pending<?>> again = new ArrayList<>(batch);
                    again.remove(i);
                    return again;
                }
            }
        }
        try {
            Connections.exec(conn, "COMMIT");
        } catch (SQLException e) {
            Connections.rollbackQuietly(conn);
            failAll(batch, Failures.store(file, "commit", e));
            return List.of();
        }
        commits.incrementAndGet();
        for (int i = 0; i < batch.size(); i++) {
            if (failures[i] == null) {
                batch.get(i).succeed(results[i]);
            } else {
                batch.get(i).done().completeExceptionally(Failures.ofWrite(file, failures[i]));
            }
        }
        return List.of();
    }

    private static void failAll(List<Pending<?>> batch, Throwable e) {
        batch.forEach(p -> p.done().completeExceptionally(e));
    }

    /**
     * Rethrows a failure made on the writer thread as a new exception of the same type made here,
     * so that its stack trace shows the caller; the writer's exception stays as the cause.
     */
    private static RuntimeException inCallerThread(Throwable t) {
        return switch (t) {
            case ConflictException e -> new ConflictException(e.getMessage(), e.details(), e);
            case NotFoundException e -> new NotFoundException(e.getMessage(), e.details(), e);
            case StoreException e -> new StoreException(e.getMessage(), e.details(), e);
            case RuntimeException e -> e;
            case Error e -> throw e;
            default -> new StoreException("The write failed: " + t, Map.of(), t);
        };
    }
}
