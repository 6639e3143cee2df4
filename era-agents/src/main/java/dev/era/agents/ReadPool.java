package dev.era.agents;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A few read-only connections shared by tick threads. In WAL mode each read sees the last commit
 * made before it began and never waits for the writer. Each connection keeps its prepared
 * statements: re-preparing would cost more than the point lookups themselves.
 */
final class ReadPool implements AutoCloseable {
    /** Reads are point lookups of tens of microseconds; a few connections keep two cores busy. */
    static final int SIZE = 4;

    @FunctionalInterface
    interface ReadOp<T> {
        T apply(Reader r) throws SQLException;
    }

    /** One connection with its statement cache. */
    static final class Reader {
        final Connection connection;
        private final Map<String, PreparedStatement> statements = new HashMap<>();

        Reader(Connection connection) {
            this.connection = connection;
        }

        PreparedStatement prepare(String sql) throws SQLException {
            PreparedStatement ps = statements.get(sql);
            if (ps == null) {
                ps = connection.prepareStatement(sql);
                statements.put(sql, ps);
            }
            return ps;
        }
    }

    private final Path file;
    private final BlockingQueue<Reader> idle = new ArrayBlockingQueue<>(SIZE);
    private volatile boolean closed;
    private int opened;

    ReadPool(Path file) throws SQLException {
        this.file = file;
        try {
            for (int i = 0; i < SIZE; i++) {
                idle.add(new Reader(Sqlite.reader(file)));
                opened++;
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    <T> T read(String doing, ReadOp<T> op) {
        Reader r = take();
        try {
            return op.apply(r);
        } catch (SQLException e) {
            throw Sqlite.failure(file, doing, e);
        } finally {
            idle.add(r);
        }
    }

    private Reader take() {
        boolean interrupted = false;
        try {
            while (true) {
                if (closed) {
                    throw new AgentRuntimeException.StoreFailed("The agent store " + file + " is closed; reads are refused",
                            Map.of("file", file.toString()), null);
                }
                try {
                    Reader r = idle.poll(100, TimeUnit.MILLISECONDS);
                    if (r != null) {
                        return r;
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // reads are short: finish, and leave the flag for the tick's time limit
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int closedCount = 0;
        while (closedCount < opened && System.nanoTime() < deadline) {
            Reader r;
            try {
                r = idle.poll(10, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (r != null) {
                closedCount++;
                try {
                    r.connection.close();
                } catch (SQLException ignored) {
                    // read-only: nothing to lose
                }
            }
        }
    }
}
