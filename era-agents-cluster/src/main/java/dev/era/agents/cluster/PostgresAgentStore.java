package dev.era.agents.cluster;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.KvEntry;
import dev.era.agent.Schedule;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.spi.AgentHost;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.DeadLetter;
import dev.era.agents.spi.DueAlarm;
import dev.era.agents.spi.OutboxMessage;
import dev.era.agents.spi.Snapshot;
import dev.era.agents.spi.StoreStats;
import dev.era.agents.spi.TickWrite;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The agent store on PostgreSQL (the Server backend). Reads use pooled connections; commits go
 * through the group-committing {@link PgWriter}, which checks the fence. In a cluster, {@link
 * #load} hands out the epoch of the lease this node holds for the agent's partition (and refuses
 * agents it does not own), and the due alarms and the outbox are those of owned agents only.
 */
final class PostgresAgentStore implements AgentStore {
    /** The largest code point: every key with a prefix sorts below prefix + this. */
    private static final String MAX_CHAR = new String(Character.toChars(Character.MAX_CODE_POINT));

    private final DataSource ds;
    private final Fencing fencing;
    private final PgWriter writer;
    private final Consumer<AgentHost> onAttach;
    private final Runnable onClose;

    /**
     * @param onAttach gets the runtime when it starts (the membership reports ownership changes to it)
     * @param onClose  runs after the writer drained (closing the pool)
     */
    PostgresAgentStore(DataSource ds, Fencing fencing, Clock clock, Consumer<AgentHost> onAttach, Runnable onClose) {
        this.ds = ds;
        this.fencing = fencing;
        this.onAttach = onAttach;
        this.onClose = onClose;
        this.writer = new PgWriter(ds, fencing, clock);
    }

    @FunctionalInterface
    private interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(String what, Query<T> q) {
        try (Connection c = ds.getConnection()) {
            return q.run(c);
        } catch (SQLException e) {
            throw new AgentRuntimeException.StoreFailed("Could not " + what + " in PostgreSQL: " + e.getMessage()
                    + "; check the database and the network", Map.of(), e);
        }
    }

    @Override
    public void attach(AgentHost host) {
        onAttach.accept(host);
    }

    @Override
    public Snapshot load(AgentRef agent) {
        return snapshot(agent, fencing.fenceFor(agent)); // the fence first: what is read next is at least as new as the lease
    }

    @Override
    public Snapshot read(AgentRef agent) {
        return snapshot(agent, 0);
    }

    private Snapshot snapshot(AgentRef agent, long fence) {
        return read("load " + agent, c -> {
            Optional<byte[]> state = Optional.empty();
            try (PreparedStatement ps = c.prepareStatement("SELECT state FROM era_agent WHERE type = ? AND id = ?")) {
                ps.setString(1, agent.type());
                ps.setString(2, agent.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        state = Optional.of(rs.getBytes(1));
                    }
                }
            }
            List<AlarmInfo> alarms = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name, due_ms, schedule, data FROM era_agent_alarm"
                    + " WHERE type = ? AND id = ? ORDER BY due_ms, name")) {
                ps.setString(1, agent.type());
                ps.setString(2, agent.id());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        alarms.add(alarm(rs, 1));
                    }
                }
            }
            return new Snapshot(state, alarms, fence);
        });
    }

    @Override
    public Optional<byte[]> kvGet(AgentRef agent, String key) {
        return read("read a KV entry of " + agent, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM era_agent_kv WHERE type = ? AND id = ? AND key = ?")) {
                ps.setString(1, agent.type());
                ps.setString(2, agent.id());
                ps.setString(3, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<KvEntry> kvList(AgentRef agent, String prefix, int limit) {
        return read("list KV entries of " + agent, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT key, value FROM era_agent_kv WHERE type = ? AND id = ?"
                    + " AND key >= ? AND key < ? ORDER BY key LIMIT ?")) {
                ps.setString(1, agent.type());
                ps.setString(2, agent.id());
                ps.setString(3, prefix);
                ps.setString(4, prefix + MAX_CHAR);
                ps.setInt(5, limit);
                List<KvEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new KvEntry(rs.getString(1), rs.getBytes(2)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public CompletableFuture<Committed> commit(TickWrite write) {
        return writer.submit(write);
    }

    @Override
    public List<DueAlarm> alarmsDue(Instant from, Instant until) {
        return read("read due alarms", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT type, id, name, due_ms, schedule, data FROM era_agent_alarm"
                    + " WHERE due_ms >= ? AND due_ms < ? ORDER BY due_ms")) {
                ps.setLong(1, from.toEpochMilli());
                ps.setLong(2, until.toEpochMilli());
                List<DueAlarm> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        AgentRef ref = AgentRef.of(rs.getString(1), rs.getString(2));
                        if (fencing.owns(ref)) { // alarms fire on the owner
                            out.add(new DueAlarm(ref, alarm(rs, 3)));
                        }
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<OutboxMessage> outbox(long afterSeq, int limit) {
        return read("read the outbox", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, to_type, to_id, from_type, from_id, data FROM era_agent_outbox"
                    + " WHERE seq > ? ORDER BY seq LIMIT ?")) {
                ps.setLong(1, afterSeq);
                ps.setInt(2, limit);
                List<OutboxMessage> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new OutboxMessage(rs.getLong(1), AgentRef.of(rs.getString(2), rs.getString(3)),
                                AgentRef.of(rs.getString(4), rs.getString(5)), rs.getBytes(6)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<DeadLetter> deadLetters(Optional<AgentRef> agent, long beforeSeq, int limit) {
        return read("read dead letters", c -> {
            String sql = "SELECT seq, type, id, trigger, payload, error, attempts, failed_ms FROM era_agent_dead_letter WHERE "
                    + (agent.isPresent() ? "type = ? AND id = ? AND " : "") + "seq < ? ORDER BY seq DESC LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (agent.isPresent()) {
                    ps.setString(i++, agent.get().type());
                    ps.setString(i++, agent.get().id());
                }
                ps.setLong(i++, beforeSeq);
                ps.setInt(i, limit);
                List<DeadLetter> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DeadLetter(rs.getLong(1), AgentRef.of(rs.getString(2), rs.getString(3)), rs.getString(4),
                                rs.getBytes(5), rs.getString(6), rs.getInt(7), Instant.ofEpochMilli(rs.getLong(8))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public boolean discardDeadLetter(long seq) {
        return read("discard dead letter " + seq, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM era_agent_dead_letter WHERE seq = ?")) {
                ps.setLong(1, seq);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<String> agentIds(String type, String afterId, int limit) {
        return read("list agents", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM era_agent WHERE type = ? AND id > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, type);
                ps.setString(2, afterId);
                ps.setInt(3, limit);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public StoreStats stats() {
        return read("count rows", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT count(*) FROM era_agent), (SELECT count(*) FROM era_agent_alarm),"
                    + " (SELECT count(*) FROM era_agent_outbox), (SELECT count(*) FROM era_agent_dead_letter)");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new StoreStats(writer.commits(), writer.writes(), rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
            }
        });
    }

    /** Commits refused by the fence so far. */
    long fencedCommits() {
        return writer.fenced();
    }

    @Override
    public void close() {
        try {
            writer.close();
        } finally {
            onClose.run();
        }
    }

    private static AlarmInfo alarm(ResultSet rs, int col) throws SQLException {
        Instant due = Instant.ofEpochMilli(rs.getLong(col + 1));
        return new AlarmInfo(rs.getString(col), due, Schedule.parse(rs.getString(col + 2), due), rs.getString(col + 3));
    }
}
