package dev.era.agents;

import dev.era.agent.AlarmInfo;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.TickWrite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent store's only writer (the pattern of era-store-sqlite's GroupCommitWriter): one thread
 * owns the write connection, takes every tick queued at that moment and commits them in ONE
 * transaction, so thousands of ticks of different agents share one WAL append.
 * <p>
 * Unlike GroupCommitWriter it uses no savepoint per write: a tick's write is upserts and deletes
 * that cannot conflict, so a failure means the disk or the file is broken. Then the batch is
 * rolled back and its writes committed one by one, so that only the write that cannot commit
 * fails. Futures complete after COMMIT returned, on a second thread in commit order, so that the
 * runtime's follow-up work (releasing replies, delivering messages) overlaps the next commit.
 */
final class AgentWriter implements AutoCloseable {
    /** A tick's write, or (with {@code write} null) the removal of dead letter {@code discard}. */
    private record Pending(TickWrite write, long discard, CompletableFuture<Committed> done) {
        String what() {
            return write != null ? "commit the tick of " + write.agent() : "discard dead letter " + discard;
        }
    }

    /** Bounds a transaction, so that one burst does not hold every caller until all of it is written. */
    static final int MAX_BATCH = 2048;

    private static final Pending STOP = new Pending(null, 0, new CompletableFuture<>());

    private final Connection conn;
    private final Path file;
    private final Clock clock;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock admission = new ReentrantLock();
    private final ExecutorService completer = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("era-agents-committed").daemon(true).unstarted(r));
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final Thread thread;
    private final PreparedStatement putState;
    private final PreparedStatement putKv;
    private final PreparedStatement deleteKv;
    private final PreparedStatement putAlarm;
    private final PreparedStatement deleteAlarm;
    private final PreparedStatement addOutbox;
    private final PreparedStatement deleteOutbox;
    private final PreparedStatement addDeadLetter;
    private final PreparedStatement deleteDeadLetter;
    private boolean closed;

    AgentWriter(Connection conn, Path file, Clock clock) throws SQLException {
        this.conn = conn;
        this.file = file;
        this.clock = clock;
        putState = conn.prepareStatement("INSERT INTO agent (type, id, state, updated_ms) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (type, id) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms");
        putKv = conn.prepareStatement("INSERT INTO kv (type, id, key, value) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (type, id, key) DO UPDATE SET value = excluded.value");
        deleteKv = conn.prepareStatement("DELETE FROM kv WHERE type = ? AND id = ? AND key = ?");
        putAlarm = conn.prepareStatement("INSERT INTO alarm (type, id, name, due_ms, schedule, data) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (type, id, name) DO UPDATE SET due_ms = excluded.due_ms, schedule = excluded.schedule,"
                + " data = excluded.data");
        deleteAlarm = conn.prepareStatement("DELETE FROM alarm WHERE type = ? AND id = ? AND name = ?");
        addOutbox = conn.prepareStatement("INSERT INTO outbox (to_type, to_id, from_type, from_id, data, created_ms)"
                + " VALUES (?, ?, ?, ?, ?, ?) RETURNING seq");
        deleteOutbox = conn.prepareStatement("DELETE FROM outbox WHERE seq = ?");
        addDeadLetter = conn.prepareStatement("INSERT INTO dead_letter (type, id, trigger, payload, error, attempts, failed_ms)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)");
        deleteDeadLetter = conn.prepareStatement("DELETE FROM dead_letter WHERE seq = ?");
        // A daemon thread: a runtime never closed must not keep the JVM alive; its queued writes are
        // then never acknowledged, so no caller is told something false.
        thread = Thread.ofPlatform().name("era-agents-writer").daemon(true).unstarted(this::run);
        thread.start();
    }

    CompletableFuture<Committed> submit(TickWrite write) {
        return enqueue(new Pending(write, 0, new CompletableFuture<>()));
    }

    /** Removes a dead letter through the one writer; waits for the commit. */
    boolean discardDeadLetter(long seq) {
        try {
            enqueue(new Pending(null, seq, new CompletableFuture<>())).join();
            return true;
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private CompletableFuture<Committed> enqueue(Pending p) {
        admission.lock();
        try {
            if (closed) {
                p.done.completeExceptionally(new AgentRuntimeException.StoreFailed("The agent store " + file
                        + " is closed; could not " + p.what(), Map.of("file", file.toString()), null));
                return p.done;
            }
            queue.add(p);
        } finally {
            admission.unlock();
        }
        return p.done;
    }

    long commits() {
        return commits.get();
    }

    long writes() {
        return writes.get();
    }

    @Override
    public void close() {
        admission.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        } finally {
            admission.unlock();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // finish closing: the connection must not close under the writer
            }
        }
        completer.shutdown();
        try {
            completer.awaitTermination(5, TimeUnit.SECONDS);
            conn.close();
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (SQLException e) {
            throw Sqlite.failure(file, "close the write connection", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() stops the writer, through the queue
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            if (batch.getLast() == STOP) { // STOP is the last thing ever queued
                batch.removeLast();
                stopping = true;
            }
            if (!batch.isEmpty()) {
                try {
                    commitBatch(batch);
                } catch (Throwable t) {
                    // Keep the writer alive whatever happened: callers must never wait forever.
                    Sqlite.rollbackQuietly(conn);
                    List<Pending> failed = List.copyOf(batch);
                    completer.execute(() -> failed.forEach(p -> p.done.completeExceptionally(
                            Sqlite.failure(file, p.what(), t))));
                }
            }
            batch = new ArrayList<>();
        }
    }

    private void commitBatch(List<Pending> batch) throws SQLException {
        List<Committed> results = new ArrayList<>(batch.size());
        try {
            Sqlite.exec(conn, "BEGIN IMMEDIATE");
            for (Pending p : batch) {
                results.add(p.write != null ? apply(p.write) : discard(p.discard));
            }
            Sqlite.exec(conn, "COMMIT");
        } catch (SQLException e) {
            Sqlite.rollbackQuietly(conn);
            if (batch.size() == 1) {
                Pending p = batch.getFirst();
                completer.execute(() -> p.done.completeExceptionally(Sqlite.failure(file, p.what(), e)));
                return;
            }
            // Find the write that cannot commit by committing each alone; the others still succeed.
            for (Pending p : batch) {
                commitBatch(List.of(p));
            }
            return;
        }
        commits.incrementAndGet();
        writes.addAndGet(batch.size());
        completer.execute(() -> {
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done.complete(results.get(i));
            }
        });
    }

    private Committed discard(long seq) throws SQLException {
        deleteDeadLetter.setLong(1, seq);
        deleteDeadLetter.executeUpdate();
        return Committed.NOTHING;
    }

    private Committed apply(TickWrite w) throws SQLException {
        String type = w.agent().type();
        String id = w.agent().id();
        if (w.state().isPresent()) {
            putState.setString(1, type);
            putState.setString(2, id);
            putState.setBytes(3, w.state().get());
            putState.setLong(4, clock.millis());
            putState.executeUpdate();
        }
        for (Map.Entry<String, byte[]> e : w.kvPuts().entrySet()) {
            putKv.setString(1, type);
            putKv.setString(2, id);
            putKv.setString(3, e.getKey());
            putKv.setBytes(4, e.getValue());
            putKv.executeUpdate();
        }
        for (String key : w.kvDeletes()) {
            deleteKv.setString(1, type);
            deleteKv.setString(2, id);
            deleteKv.setString(3, key);
            deleteKv.executeUpdate();
        }
        for (AlarmInfo a : w.alarmPuts()) {
            putAlarm.setString(1, type);
            putAlarm.setString(2, id);
            putAlarm.setString(3, a.name());
            putAlarm.setLong(4, a.due().toEpochMilli());
            putAlarm.setString(5, a.schedule().text());
            putAlarm.setString(6, a.data());
            putAlarm.executeUpdate();
        }
        for (String name : w.alarmDeletes()) {
            deleteAlarm.setString(1, type);
            deleteAlarm.setString(2, id);
            deleteAlarm.setString(3, name);
            deleteAlarm.executeUpdate();
        }
        List<Long> seqs = w.sends().isEmpty() ? List.of() : new ArrayList<>(w.sends().size());
        for (TickWrite.Outgoing o : w.sends()) {
            addOutbox.setString(1, o.to().type());
            addOutbox.setString(2, o.to().id());
            addOutbox.setString(3, o.from().type());
            addOutbox.setString(4, o.from().id());
            addOutbox.setBytes(5, o.data());
            addOutbox.setLong(6, clock.millis());
            try (ResultSet rs = addOutbox.executeQuery()) {
                rs.next();
                seqs.add(rs.getLong(1));
            }
        }
        if (w.consumedOutboxSeq() != 0) {
            deleteOutbox.setLong(1, w.consumedOutboxSeq());
            deleteOutbox.executeUpdate();
        }
        if (w.deadLetter().isPresent()) {
            TickWrite.NewDeadLetter d = w.deadLetter().get();
            addDeadLetter.setString(1, type);
            addDeadLetter.setString(2, id);
            addDeadLetter.setString(3, d.trigger());
            addDeadLetter.setBytes(4, d.payload());
            addDeadLetter.setString(5, d.error());
            addDeadLetter.setInt(6, d.attempts());
            addDeadLetter.setLong(7, clock.millis());
            addDeadLetter.executeUpdate();
        }
        return seqs.isEmpty() ? Committed.NOTHING : new Committed(seqs);
    }
}
