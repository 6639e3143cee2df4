package dev.era.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import dev.era.api.StoreException;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
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
 * The store's writer, as era-store-sqlite's: one thread takes every write queued at that moment
 * and commits them in ONE transaction (group commit), each in its own savepoint so that one that
 * fails is undone alone; a caller's result is released only after COMMIT returned. With fsync on,
 * a commit costs a WAL flush, so under load many writes share one.
 * <p>
 * Each batch takes the events advisory lock first, before any row lock: the lock orders event seqs
 * across every daemon sharing the database (see {@link PostgresStateStore}), and taking it first
 * gives all of them one lock order, so two daemons' batches never deadlock.
 */
final class GroupCommitWriter implements AutoCloseable {
    /** One unit of work, run on the writer thread inside the batch's transaction; must touch nothing but {@code c}. */
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

    static final int MAX_BATCH = 512;
    private static final Pending<Void> STOP = new Pending<>(c -> null, new CompletableFuture<>());

    private final HikariDataSource pool;
    private final String where;
    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock admission = new ReentrantLock();
    private final AtomicLong commits = new AtomicLong();
    private final Thread thread;
    private boolean closed;

    GroupCommitWriter(HikariDataSource pool, String where) {
        this.pool = pool;
        this.where = where;
        this.thread = Thread.ofPlatform().name("era-postgres-writer").daemon(true).unstarted(this::run);
        thread.start();
    }

    /** Runs {@code op} in the next group commit and waits until it is committed (ignoring interrupts: it may still commit). */
    <T> T write(WriteOp<T> op) {
        Pending<T> p = new Pending<>(op, new CompletableFuture<>());
        admission.lock();
        try {
            if (closed) {
                throw new StoreException("The PostgreSQL state store " + where + " is closed; writes are refused",
                        Map.of("database", where));
            }
            queue.add(p);
        } finally {
            admission.unlock();
        }
        try {
            return p.done().join();
        } catch (CompletionException e) {
            throw inCallerThread(e.getCause());
        }
    }

    /** Transactions committed so far. */
    long commits() {
        return commits.get();
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
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Pending<?>> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() stops the writer, through the queue
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            if (batch.getLast() == STOP) {
                batch.removeLast();
                stopping = true;
            }
            if (!batch.isEmpty()) {
                try {
                    commit(batch);
                } catch (Throwable t) {
                    // keep the writer alive whatever happened; callers must never wait forever
                    batch.forEach(p -> p.done().completeExceptionally(Failures.ofWrite(where, asException(t))));
                }
            }
            batch.clear();
        }
    }

    private void commit(List<Pending<?>> batch) {
        Object[] results = new Object[batch.size()];
        Throwable[] failures = new Throwable[batch.size()];
        try (Connection c = pool.getConnection()) {
            try {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_xact_lock(" + PostgresStateStore.EVENTS_LOCK + ")");
                }
                for (int i = 0; i < batch.size(); i++) {
                    Savepoint sp = c.setSavepoint();
                    try {
                        results[i] = batch.get(i).op().apply(c);
                        c.releaseSavepoint(sp);
                    } catch (SQLException | RuntimeException e) {
                        failures[i] = e;
                        c.rollback(sp);
                    }
                }
                c.commit();
            } catch (SQLException e) {
                rollbackQuietly(c);
                failAll(batch, Failures.store(where, "commit", e));
                return;
            }
        } catch (SQLException e) {
            failAll(batch, Failures.store(where, "write", e)); // no connection: the server is gone or the pool closed
            return;
        }
        commits.incrementAndGet();
        for (int i = 0; i < batch.size(); i++) {
            if (failures[i] == null) {
                batch.get(i).succeed(results[i]);
            } else {
                batch.get(i).done().completeExceptionally(Failures.ofWrite(where, asException(failures[i])));
            }
        }
    }

    private static Exception asException(Throwable t) {
        return t instanceof Exception e ? e : new StoreException("the write failed: " + t, Map.of(), t);
    }

    private static void failAll(List<Pending<?>> batch, Throwable e) {
        batch.forEach(p -> p.done().completeExceptionally(e));
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the pool discards a broken connection; the failure reported is the one that matters
        }
    }

    /** Rethrows a writer-thread failure as a new exception of the same type made here, so its trace shows the caller. */
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
