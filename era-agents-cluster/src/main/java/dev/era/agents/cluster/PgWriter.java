package dev.era.agents.cluster;

import dev.era.agent.AlarmInfo;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.TickWrite;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit on PostgreSQL: a writer thread takes every tick queued at that moment and commits
 * them in ONE transaction, with JDBC batches per statement kind ({@link #WRITERS} such threads).
 * <p>
 * The fence: when the store is shared ({@link Fencing#enforced()}), the transaction first reads
 * the lease rows of the batch's partitions {@code FOR SHARE} and keeps only the writes whose fence
 * equals the epoch this process holds. The row lock makes the check and the commit one atomic
 * step against a takeover: a node taking the partition over ({@code UPDATE ... epoch = epoch + 1})
 * waits for this transaction, or this one waits for it and then sees the new epoch. So a write
 * carrying an old epoch never commits, however long its process was paused. Writes refused by
 * the fence fail with {@link AgentRuntimeException.NotOwner}; the others in the batch commit.
 */
final class PgWriter implements AutoCloseable {
    private record Pending(TickWrite write, CompletableFuture<Committed> done) {
    }

    static final int MAX_BATCH = 1024;
    private static final Pending STOP = new Pending(null, new CompletableFuture<>());

    private final DataSource ds;
    private final Fencing fencing;
    private final Clock clock;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ExecutorService completer = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("era-agents-pg-committed").daemon(true).unstarted(r));
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong fenced = new AtomicLong();
    /**
     * Transactions in flight at once. Each waits on round trips to the server and its WAL flush;
     * two overlap those waits. Safe because the runtime never has two commits of one agent in
     * flight, so concurrent batches touch disjoint rows (and FOR SHARE locks do not conflict).
     */
    static final int WRITERS = 2;

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    PgWriter(DataSource ds, Fencing fencing, Clock clock) {
        this.ds = ds;
        this.fencing = fencing;
        this.clock = clock;
        for (int i = 0; i < WRITERS; i++) {
            threads.add(Thread.ofPlatform().name("era-agents-pg-writer-" + i).daemon(true).start(this::run));
        }
    }

    CompletableFuture<Committed> submit(TickWrite write) {
        Pending p = new Pending(write, new CompletableFuture<>());
        synchronized (this) {
            if (closed) {
                p.done.completeExceptionally(new AgentRuntimeException.StoreFailed("The PostgreSQL agent store is closed; could not"
                        + " commit the tick of " + write.agent(), Map.of("agent", write.agent().toString()), null));
                return p.done;
            }
            queue.add(p);
        }
        return p.done;
    }

    long commits() {
        return commits.get();
    }

    long writes() {
        return writes.get();
    }

    /** Writes refused because their fence was stale. */
    long fenced() {
        return fenced.get();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (int i = 0; i < WRITERS; i++) {
                queue.add(STOP);
            }
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
            completer.shutdown();
            completer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        boolean stopping = false;
        while (!stopping) {
            List<Pending> batch = new ArrayList<>();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() stops the writer, through the queue
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            int stops = 0;
            while (!batch.isEmpty() && batch.getLast() == STOP) { // STOPs are the last things ever queued
                batch.removeLast();
                stops++;
            }
            if (stops > 0) {
                stopping = true;
                for (int i = 1; i < stops; i++) {
                    queue.add(STOP); // the other writers'
                }
            }
            if (!batch.isEmpty()) {
                try {
                    commitBatch(batch);
                } catch (Throwable t) {
                    // Not committed (the transaction was rolled back, or the connection died before COMMIT
                    // answered: then the outcome is unknown, and the caller is told it failed, which is safe
                    // for at-least-once triggers).
                    completer.execute(() -> batch.forEach(p -> p.done.completeExceptionally(new AgentRuntimeException.StoreFailed(
                            "Could not commit the tick of " + p.write.agent() + " to PostgreSQL: " + t.getMessage()
                                    + "; check the database and the network", Map.of("agent", p.write.agent().toString()), t))));
                }
            }
        }
    }

    private void commitBatch(List<Pending> batch) throws SQLException {
        List<Pending> accepted = batch;
        List<Pending> refused = List.of();
        Map<Integer, Long> epochs = Map.of();
        List<Committed> results = new ArrayList<>(batch.size());
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (fencing.enforced()) {
                    epochs = heldEpochs(c, batch);
                    accepted = new ArrayList<>(batch.size());
                    refused = new ArrayList<>();
                    for (Pending p : batch) {
                        Long epoch = epochs.get(fencing.partition(p.write.agent()));
                        (epoch != null && epoch == p.write.fence() && p.write.fence() != 0 ? accepted : refused).add(p);
                    }
                }
                if (!accepted.isEmpty()) {
                    apply(c, accepted, results);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken; the failure that matters is e
                }
                throw e;
            }
        }
        commits.incrementAndGet();
        writes.addAndGet(accepted.size());
        fenced.addAndGet(refused.size());
        List<Pending> ok = accepted;
        List<Pending> no = refused;
        Map<Integer, Long> held = epochs;
        completer.execute(() -> {
            for (int i = 0; i < ok.size(); i++) {
                ok.get(i).done.complete(results.get(i));
            }
            for (Pending p : no) {
                int part = fencing.partition(p.write.agent());
                p.done.completeExceptionally(new AgentRuntimeException.NotOwner("The commit of a tick of " + p.write.agent()
                        + " was refused: it carries ownership epoch " + p.write.fence() + " of partition " + part
                        + ", but this node (" + fencing.token() + ") holds " + (held.containsKey(part) ? "epoch " + held.get(part)
                        : "no lease") + " for it now; another node owns the agent, send to it",
                        Map.of("agent", p.write.agent().toString(), "partition", part, "fence", p.write.fence())));
            }
        });
    }

    /** Locks (FOR SHARE) and reads the lease rows of the batch's partitions that this process holds. */
    private Map<Integer, Long> heldEpochs(Connection c, List<Pending> batch) throws SQLException {
        TreeSet<Integer> parts = new TreeSet<>(); // sorted: lock rows in one order everywhere
        for (Pending p : batch) {
            parts.add(fencing.partition(p.write.agent()));
        }
        Map<Integer, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT part, epoch FROM era_partition WHERE part = ANY(?) AND owner = ? ORDER BY part FOR SHARE")) {
            Array arr = c.createArrayOf("int4", parts.toArray());
            ps.setArray(1, arr);
            ps.setString(2, fencing.token());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    private void apply(Connection c, List<Pending> batch, List<Committed> results) throws SQLException {
        long now = clock.millis();
        try (PreparedStatement putState = c.prepareStatement("INSERT INTO era_agent (type, id, state, updated_ms) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (type, id) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms");
             PreparedStatement putKv = c.prepareStatement("INSERT INTO era_agent_kv (type, id, key, value) VALUES (?, ?, ?, ?)"
                     + " ON CONFLICT (type, id, key) DO UPDATE SET value = excluded.value");
             PreparedStatement deleteKv = c.prepareStatement("DELETE FROM era_agent_kv WHERE type = ? AND id = ? AND key = ?");
             PreparedStatement putAlarm = c.prepareStatement("INSERT INTO era_agent_alarm (type, id, name, due_ms, schedule, data)"
                     + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (type, id, name) DO UPDATE SET due_ms = excluded.due_ms,"
                     + " schedule = excluded.schedule, data = excluded.data");
             PreparedStatement deleteAlarm = c.prepareStatement("DELETE FROM era_agent_alarm WHERE type = ? AND id = ? AND name = ?");
             PreparedStatement deleteOutbox = c.prepareStatement("DELETE FROM era_agent_outbox WHERE seq = ?");
             PreparedStatement addDeadLetter = c.prepareStatement("INSERT INTO era_agent_dead_letter"
                     + " (type, id, trigger, payload, error, attempts, failed_ms) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            int states = 0, kvPuts = 0, kvDeletes = 0, alarmPuts = 0, alarmDeletes = 0, outboxDeletes = 0, deadLetters = 0;
            for (Pending p : batch) {
                TickWrite w = p.write;
                String type = w.agent().type();
                String id = w.agent().id();
                if (w.state().isPresent()) {
                    putState.setString(1, type);
                    putState.setString(2, id);
                    putState.setBytes(3, w.state().get());
                    putState.setLong(4, now);
                    putState.addBatch();
                    states++;
                }
                for (Map.Entry<String, byte[]> e : w.kvPuts().entrySet()) {
                    putKv.setString(1, type);
                    putKv.setString(2, id);
                    putKv.setString(3, e.getKey());
                    putKv.setBytes(4, e.getValue());
                    putKv.addBatch();
                    kvPuts++;
                }
                for (String key : w.kvDeletes()) {
                    deleteKv.setString(1, type);
                    deleteKv.setString(2, id);
                    deleteKv.setString(3, key);
                    deleteKv.addBatch();
                    kvDeletes++;
                }
                for (AlarmInfo a : w.alarmPuts()) {
                    putAlarm.setString(1, type);
                    putAlarm.setString(2, id);
                    putAlarm.setString(3, a.name());
                    putAlarm.setLong(4, a.due().toEpochMilli());
                    putAlarm.setString(5, a.schedule().text());
                    putAlarm.setString(6, a.data());
                    putAlarm.addBatch();
                    alarmPuts++;
                }
                for (String name : w.alarmDeletes()) {
                    deleteAlarm.setString(1, type);
                    deleteAlarm.setString(2, id);
                    deleteAlarm.setString(3, name);
                    deleteAlarm.addBatch();
                    alarmDeletes++;
                }
                if (w.consumedOutboxSeq() != 0) {
                    deleteOutbox.setLong(1, w.consumedOutboxSeq());
                    deleteOutbox.addBatch();
                    outboxDeletes++;
                }
                if (w.deadLetter().isPresent()) {
                    TickWrite.NewDeadLetter d = w.deadLetter().get();
                    addDeadLetter.setString(1, type);
                    addDeadLetter.setString(2, id);
                    addDeadLetter.setString(3, d.trigger());
                    addDeadLetter.setBytes(4, d.payload());
                    addDeadLetter.setString(5, d.error());
                    addDeadLetter.setInt(6, d.attempts());
                    addDeadLetter.setLong(7, now);
                    addDeadLetter.addBatch();
                    deadLetters++;
                }
            }
            if (states > 0) {
                putState.executeBatch();
            }
            if (kvPuts > 0) {
                putKv.executeBatch();
            }
            if (kvDeletes > 0) {
                deleteKv.executeBatch();
            }
            if (alarmPuts > 0) {
                putAlarm.executeBatch();
            }
            if (alarmDeletes > 0) {
                deleteAlarm.executeBatch();
            }
            if (outboxDeletes > 0) {
                deleteOutbox.executeBatch();
            }
            if (deadLetters > 0) {
                addDeadLetter.executeBatch();
            }
        }
        sends(c, batch, results, now);
    }

    /** Outbox rows one by one: each send needs its sequence number back, in order. */
    private static void sends(Connection c, List<Pending> batch, List<Committed> results, long now) throws SQLException {
        PreparedStatement add = null;
        try {
            for (Pending p : batch) {
                if (p.write.sends().isEmpty()) {
                    results.add(Committed.NOTHING);
                    continue;
                }
                if (add == null) {
                    add = c.prepareStatement("INSERT INTO era_agent_outbox (to_type, to_id, from_type, from_id, data, created_ms)"
                            + " VALUES (?, ?, ?, ?, ?, ?) RETURNING seq");
                }
                List<Long> seqs = new ArrayList<>(p.write.sends().size());
                for (TickWrite.Outgoing o : p.write.sends()) {
                    add.setString(1, o.to().type());
                    add.setString(2, o.to().id());
                    add.setString(3, o.from().type());
                    add.setString(4, o.from().id());
                    add.setBytes(5, o.data());
                    add.setLong(6, now);
                    try (ResultSet rs = add.executeQuery()) {
                        rs.next();
                        seqs.add(rs.getLong(1));
                    }
                }
                results.add(new Committed(seqs));
            }
        } finally {
            if (add != null) {
                add.close();
            }
        }
    }
}
