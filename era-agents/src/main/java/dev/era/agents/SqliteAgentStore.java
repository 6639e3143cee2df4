package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.KvEntry;
import dev.era.agent.Schedule;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.DeadLetter;
import dev.era.agents.spi.DueAlarm;
import dev.era.agents.spi.OutboxMessage;
import dev.era.agents.spi.Snapshot;
import dev.era.agents.spi.StoreStats;
import dev.era.agents.spi.TickWrite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The Local backend's store: one SQLite file in WAL mode, one group-committing writer, a few
 * readers. Ordering of keys is SQLite's BINARY collation, i.e. UTF-8 byte order, which is code
 * point order.
 */
final class SqliteAgentStore implements AgentStore {
    /** The largest code point: any key with a prefix sorts below prefix + this (keys may not contain it). */
    static final String MAX_CHAR = new String(Character.toChars(Character.MAX_CODE_POINT));

    private final Path file;
    private final AgentWriter writer;
    private final ReadPool readers;

    private SqliteAgentStore(Path file, AgentWriter writer, ReadPool readers) {
        this.file = file;
        this.writer = writer;
        this.readers = readers;
    }

    static SqliteAgentStore open(Path file, Clock clock) {
        Connection w = null;
        try {
            if (file.getParent() != null) {
                java.nio.file.Files.createDirectories(file.getParent());
            }
            w = Sqlite.writer(file);
            AgentWriter writer = new AgentWriter(w, file, clock);
            try {
                return new SqliteAgentStore(file, writer, new ReadPool(file));
            } catch (SQLException e) {
                writer.close();
                throw e;
            }
        } catch (SQLException | java.io.IOException e) {
            if (w != null) {
                try {
                    w.close();
                } catch (SQLException ignored) {
                    // the open failure is what the caller needs to see
                }
            }
            throw Sqlite.failure(file, "open", e);
        }
    }

    @Override
    public Snapshot load(AgentRef agent) {
        return readers.read("load " + agent, r -> {
            Optional<byte[]> state = Optional.empty();
            PreparedStatement ps = r.prepare("SELECT state FROM agent WHERE type = ? AND id = ?");
            ps.setString(1, agent.type());
            ps.setString(2, agent.id());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    state = Optional.of(rs.getBytes(1));
                }
            }
            PreparedStatement as = r.prepare("SELECT name, due_ms, schedule, data FROM alarm WHERE type = ? AND id = ?"
                    + " ORDER BY due_ms, name");
            as.setString(1, agent.type());
            as.setString(2, agent.id());
            List<AlarmInfo> alarms = List.of();
            try (ResultSet rs = as.executeQuery()) {
                while (rs.next()) {
                    if (alarms.isEmpty()) {
                        alarms = new ArrayList<>();
                    }
                    alarms.add(alarm(rs, 1));
                }
            }
            return new Snapshot(state, alarms, 0);
        });
    }

    @Override
    public Optional<byte[]> kvGet(AgentRef agent, String key) {
        return readers.read("read a KV entry of " + agent, r -> {
            PreparedStatement ps = r.prepare("SELECT value FROM kv WHERE type = ? AND id = ? AND key = ?");
            ps.setString(1, agent.type());
            ps.setString(2, agent.id());
            ps.setString(3, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        });
    }

    @Override
    public List<KvEntry> kvList(AgentRef agent, String prefix, int limit) {
        return readers.read("list KV entries of " + agent, r -> {
            PreparedStatement ps = r.prepare("SELECT key, value FROM kv WHERE type = ? AND id = ? AND key >= ? AND key < ?"
                    + " ORDER BY key LIMIT ?");
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
        });
    }

    @Override
    public CompletableFuture<Committed> commit(TickWrite write) {
        return writer.submit(write);
    }

    @Override
    public List<DueAlarm> alarmsDue(Instant from, Instant until) {
        return readers.read("read due alarms", r -> {
            PreparedStatement ps = r.prepare("SELECT type, id, name, due_ms, schedule, data FROM alarm"
                    + " WHERE due_ms >= ? AND due_ms < ? ORDER BY due_ms");
            ps.setLong(1, from.toEpochMilli());
            ps.setLong(2, until.toEpochMilli());
            List<DueAlarm> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DueAlarm(AgentRef.of(rs.getString(1), rs.getString(2)), alarm(rs, 3)));
                }
            }
            return out;
        });
    }

    @Override
    public List<OutboxMessage> outbox(long afterSeq, int limit) {
        return readers.read("read the outbox", r -> {
            PreparedStatement ps = r.prepare("SELECT seq, to_type, to_id, from_type, from_id, data FROM outbox"
                    + " WHERE seq > ? ORDER BY seq LIMIT ?");
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
        });
    }

    @Override
    public List<DeadLetter> deadLetters(Optional<AgentRef> agent, long beforeSeq, int limit) {
        return readers.read("read dead letters", r -> {
            PreparedStatement ps;
            if (agent.isPresent()) {
                ps = r.prepare("SELECT seq, type, id, trigger, payload, error, attempts, failed_ms FROM dead_letter"
                        + " WHERE type = ? AND id = ? AND seq < ? ORDER BY seq DESC LIMIT ?");
                ps.setString(1, agent.get().type());
                ps.setString(2, agent.get().id());
                ps.setLong(3, beforeSeq);
                ps.setInt(4, limit);
            } else {
                ps = r.prepare("SELECT seq, type, id, trigger, payload, error, attempts, failed_ms FROM dead_letter"
                        + " WHERE seq < ? ORDER BY seq DESC LIMIT ?");
                ps.setLong(1, beforeSeq);
                ps.setInt(2, limit);
            }
            List<DeadLetter> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DeadLetter(rs.getLong(1), AgentRef.of(rs.getString(2), rs.getString(3)), rs.getString(4),
                            rs.getBytes(5), rs.getString(6), rs.getInt(7), Instant.ofEpochMilli(rs.getLong(8))));
                }
            }
            return out;
        });
    }

    @Override
    public boolean discardDeadLetter(long seq) {
        // Rare admin work: a tick-less write through the same writer keeps one writer for the file.
        return readers.read("find a dead letter", r -> {
            PreparedStatement ps = r.prepare("SELECT 1 FROM dead_letter WHERE seq = ?");
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }) && writer.discardDeadLetter(seq);
    }

    @Override
    public List<String> agentIds(String type, String afterId, int limit) {
        return readers.read("list agents", r -> {
            PreparedStatement ps = r.prepare("SELECT id FROM agent WHERE type = ? AND id > ? ORDER BY id LIMIT ?");
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
        });
    }

    @Override
    public StoreStats stats() {
        return readers.read("count rows", r -> {
            PreparedStatement ps = r.prepare("SELECT (SELECT count(*) FROM agent), (SELECT count(*) FROM alarm),"
                    + " (SELECT count(*) FROM outbox), (SELECT count(*) FROM dead_letter)");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new StoreStats(writer.commits(), writer.writes(), rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
            }
        });
    }

    @Override
    public void close() {
        try {
            writer.close();
        } finally {
            readers.close();
        }
    }

    Path file() {
        return file;
    }

    private static AlarmInfo alarm(ResultSet rs, int col) throws SQLException {
        Instant due = Instant.ofEpochMilli(rs.getLong(col + 1));
        return new AlarmInfo(rs.getString(col), due, Schedule.parse(rs.getString(col + 2), due), rs.getString(col + 3));
    }
}
