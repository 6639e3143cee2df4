package dev.era.store.sqlite;

import dev.era.api.StoreException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A few read-only connections shared by all reading threads. In WAL mode they read in parallel
 * with each other and with the writer, each seeing the last commit made before its statement
 * began, so a caller whose write returned sees it in its next read.
 */
final class ReadPool implements AutoCloseable {
    /**
     * Reads are short single statements, so a few connections serve a daemon's request rate; more
     * would only hold more page cache (SQLite keeps one per connection).
     */
    static final int SIZE = 4;
    private static final long CLOSE_WAIT_MS = 5_000;

    @FunctionalInterface
    interface ReadOp<T> {
        T apply(Connection c) throws SQLException;
    }

    private final Path file;
    private final BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(SIZE);
    private int opened;
    private volatile boolean closed;

    private ReadPool(Path file) {
        this.file = file;
    }

    static ReadPool open(Path file) throws SQLException {
        ReadPool pool = new ReadPool(file);
        try {
            for (int i = 0; i < SIZE; i++) {
                pool.idle.add(Connections.reader(file));
                pool.opened++;
            }
        } catch (SQLException e) {
            pool.close();
            throw e;
        }
        return pool;
    }

    /** Runs {@code op} on an idle connection; {@code doing} completes "could not ..." in an error message. */
    <T> T read(String doing, ReadOp<T> op) {
        Connection c = take();
        try {
            return op.apply(c);
        } catch (SQLException e) {
            throw Failures.store(file, doing, e);
        } finally {
            idle.add(c);
        }
    }

    private Connection take() {
        boolean interrupted = false;
        try {
            while (true) {
                if (closed) {
                    throw new StoreException("The state store " + file + " is closed; reads are refused",
                            Map.of("file", file.toString()));
                }
                try {
                    // Poll rather than take, so that a reader waiting when close() runs notices it.
                    Connection c = idle.poll(100, TimeUnit.MILLISECONDS);
                    if (c != null) {
                        return c;
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // reads are short; keep the flag for the caller to act on
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits (a bounded time) for reads in progress to return their connections, then closes them
     * all. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Connection> taken = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
        while (taken.size() < opened && System.nanoTime() < deadline) {
            try {
                Connection c = idle.poll(10, TimeUnit.MILLISECONDS);
                if (c != null) {
                    taken.add(c);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection c : taken) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // A read-only connection has nothing to lose; closing the others matters more.
            }
        }
    }
}
