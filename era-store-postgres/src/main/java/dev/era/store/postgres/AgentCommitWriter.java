package dev.era.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.era.agent.AlarmInfo;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.TickWrite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
 * The agent store's writer, as era-agents' SQLite writer: one thread commits every tick queued at
 * that moment in one transaction, and a second thread completes the callers' futures in commit
 * order (never the writer's thread, so follow-up work cannot stall it). When a batch fails, each
 * write is committed alone, so one bad write fails only itself.
 */
final class AgentCommitWriter implements AutoCloseable {
    static final int MAX_BATCH = 512;
    /** pg_advisory_xact_lock key that orders outbox seqs across daemons ("ERA" + 3). */
    static final long OUTBOX_LOCK = 0x455241_03L;

    /** A tick to commit, or (write null) a dead letter to discard. */
    private record Pending(TickWrite write, long discard, CompletableFuture<Committed> done) {
        String what() {
            return write != null ? "commit a tick of " + write.agent() : "discard dead letter " + discard;
        }
    }

    private static final Pending STOP = new Pending(null, 0, new CompletableFuture<>());

    private final HikariDataSource pool;
    private final String where;
    private final Clock clock;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock admission = new ReentrantLock();
    private final ExecutorService completer = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("era-agents-pg-completer").daemon(true).factory());
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final Thread thread;
    private boolean closed;

    AgentCommitWriter(HikariDataSource pool, String where, Clock clock) {
        this.pool = pool;
        this.where = where;
        this.clock = clock;
        this.thread = Thread.ofPlatform().name("era-agents-pg-writer").daemon(true).unstarted(this::run);
        thread.start();
    }

    CompletableFuture<Committed> submit(TickWrite write) {
        return enqueue(new Pending(write, 0, new CompletableFuture<>()));
    }

    void discardDeadLetter(long seq) {
        try {
            enqueue(new Pending(null, seq, new CompletableFuture<>())).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    long commits() {
        return commits.get();
    }

    long writes() {
        return writes.get();
    }

    private CompletableFuture<Committed> enqueue(Pending p) {
        admission.lock();
        try {
            if (closed) {
                p.done().completeExceptionally(new AgentRuntimeException.StoreFailed("The agent store " + where
                        + " is closed; could not " + p.what(), Map.of("database", where), null));
                return p.done();
            }
            queue.add(p);
        } finally {
            admission.unlock();
        }
        return p.done();
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
                interrupted = true;
            }
        }
        completer.shutdown();
        try {
            completer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            if (batch.getLast() == STOP) {
                batch.removeLast();
                stopping = true;
            }
            if (!batch.isEmpty()) {
                try {
                    commitBatch(batch);
                } catch (Throwable t) {
                    List<Pending> failed = List.copyOf(batch);
                    completer.execute(() -> failed.forEach(p -> p.done().completeExceptionally(failure(p.what(), t))));
                }
            }
            batch = new ArrayList<>();
        }
    }

    private void commitBatch(List<Pending> batch) throws SQLException {
        List<Committed> results = new ArrayList<>(batch.size());
        try (Connection c = pool.getConnection()) {
            try {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_xact_lock(" + OUTBOX_LOCK + ")");
                }
                // a second write of one agent starts a new segment: within a segment statements run grouped by kind
                List<Pending> segment = new ArrayList<>();
                java.util.Set<dev.era.agent.AgentRef> seen = new java.util.HashSet<>();
                for (Pending p : batch) {
                    if (p.write() != null && !seen.add(p.write().agent())) {
                        results.addAll(applyAll(c, segment));
                        segment = new ArrayList<>();
                        seen.clear();
                        seen.add(p.write().agent());
                    }
                    segment.add(p);
                }
                results.addAll(applyAll(c, segment));
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the pool discards a broken connection
                }
                if (batch.size() == 1) {
                    Pending p = batch.getFirst();
                    completer.execute(() -> p.done().completeExceptionally(failure(p.what(), e)));
                    return;
                }
                for (Pending p : batch) { // find the write that cannot commit; the others still succeed
                    commitBatch(List.of(p));
                }
                return;
            }
        }
        commits.incrementAndGet();
        writes.addAndGet(batch.size());
        completer.execute(() -> {
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(results.get(i));
            }
        });
    }

    private AgentRuntimeException.StoreFailed failure(String doing, Throwable cause) {
        return new AgentRuntimeException.StoreFailed("Could not " + doing + " in the agent store " + where + ": "
                + cause.getMessage() + "; check that PostgreSQL runs and the server's log", Map.of("database", where), cause);
    }

    /**
     * Applies a batch with one JDBC batch per kind of statement, so a batch of ticks costs a handful of
     * round trips rather than several per tick. Reordering by kind is safe: the caller gives a segment
     * with at most one write per agent, so no two of its writes touch the same rows, and a message or
     * dead letter is consumed or discarded only after the commit that made it completed.
     */
    private List<Committed> applyAll(Connection c, List<Pending> batch) throws SQLException {
        long now = clock.millis();
        try (PreparedStatement state = c.prepareStatement("INSERT INTO agent_state (type, id, state, updated_ms) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (type, id) DO UPDATE SET state = EXCLUDED.state, updated_ms = EXCLUDED.updated_ms");
             PreparedStatement putKv = c.prepareStatement("INSERT INTO agent_kv (type, id, key, value) VALUES (?, ?, ?, ?)"
                     + " ON CONFLICT (type, id, key) DO UPDATE SET value = EXCLUDED.value");
             PreparedStatement deleteKv = c.prepareStatement("DELETE FROM agent_kv WHERE type = ? AND id = ? AND key = ?");
             PreparedStatement putAlarm = c.prepareStatement("INSERT INTO agent_alarm (type, id, name, due_ms, schedule, data)"
                     + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (type, id, name) DO UPDATE SET due_ms = EXCLUDED.due_ms,"
                     + " schedule = EXCLUDED.schedule, data = EXCLUDED.data");
             PreparedStatement deleteAlarm = c.prepareStatement("DELETE FROM agent_alarm WHERE type = ? AND id = ? AND name = ?");
             PreparedStatement consume = c.prepareStatement("DELETE FROM agent_outbox WHERE seq = ?");
             PreparedStatement dead = c.prepareStatement("INSERT INTO agent_dead_letter (type, id, trigger, payload, error,"
                     + " attempts, failed_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement discard = c.prepareStatement("DELETE FROM agent_dead_letter WHERE seq = ?");
             PreparedStatement send = c.prepareStatement("INSERT INTO agent_outbox (to_type, to_id, from_type, from_id, data,"
                     + " created_ms) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq")) {
            int[] counts = new int[8];
            for (Pending p : batch) {
                if (p.write() == null) {
                    discard.setLong(1, p.discard());
                    discard.addBatch();
                    counts[7]++;
                    continue;
                }
                TickWrite w = p.write();
                String type = w.agent().type();
                String id = w.agent().id();
                if (w.state().isPresent()) {
                    state.setString(1, type);
                    state.setString(2, id);
                    state.setBytes(3, w.state().get());
                    state.setLong(4, now);
                    state.addBatch();
                    counts[0]++;
                }
                for (Map.Entry<String, byte[]> e : w.kvPuts().entrySet()) {
                    putKv.setString(1, type);
                    putKv.setString(2, id);
                    putKv.setString(3, e.getKey());
                    putKv.setBytes(4, e.getValue());
                    putKv.addBatch();
                    counts[1]++;
                }
                counts[2] += addNames(deleteKv, type, id, w.kvDeletes());
                for (AlarmInfo a : w.alarmPuts()) {
                    putAlarm.setString(1, type);
                    putAlarm.setString(2, id);
                    putAlarm.setString(3, a.name());
                    putAlarm.setLong(4, a.due().toEpochMilli());
                    putAlarm.setString(5, a.schedule().text());
                    putAlarm.setString(6, a.data());
                    putAlarm.addBatch();
                    counts[3]++;
                }
                counts[4] += addNames(deleteAlarm, type, id, w.alarmDeletes());
                if (w.consumedOutboxSeq() != 0) {
                    consume.setLong(1, w.consumedOutboxSeq());
                    consume.addBatch();
                    counts[5]++;
                }
                if (w.deadLetter().isPresent()) {
                    TickWrite.NewDeadLetter d = w.deadLetter().get();
                    dead.setString(1, type);
                    dead.setString(2, id);
                    dead.setString(3, d.trigger());
                    dead.setBytes(4, d.payload());
                    dead.setString(5, d.error());
                    dead.setInt(6, d.attempts());
                    dead.setLong(7, now);
                    dead.addBatch();
                    counts[6]++;
                }
            }
            PreparedStatement[] kinds = {state, putKv, deleteKv, putAlarm, deleteAlarm, consume, dead, discard};
            for (int k = 0; k < kinds.length; k++) {
                if (counts[k] > 0) {
                    kinds[k].executeBatch();
                }
            }
            // sends one by one, in batch order: each needs its seq back, and seqs must follow commit order
            List<Committed> out = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                if (p.write() == null || p.write().sends().isEmpty()) {
                    out.add(Committed.NOTHING);
                    continue;
                }
                List<Long> seqs = new ArrayList<>(p.write().sends().size());
                for (TickWrite.Outgoing o : p.write().sends()) {
                    send.setString(1, o.to().type());
                    send.setString(2, o.to().id());
                    send.setString(3, o.from().type());
                    send.setString(4, o.from().id());
                    send.setBytes(5, o.data());
                    send.setLong(6, now);
                    try (ResultSet rs = send.executeQuery()) {
                        rs.next();
                        seqs.add(rs.getLong(1));
                    }
                }
                out.add(new Committed(seqs));
            }
            return out;
        }
    }

    private static int addNames(PreparedStatement ps, String type, String id, java.util.Set<String> names) throws SQLException {
        for (String n : names) {
            ps.setString(1, type);
            ps.setString(2, id);
            ps.setString(3, n);
            ps.addBatch();
        }
        return names.size();
    }
}
