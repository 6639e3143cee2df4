package dev.era.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.KvEntry;
import dev.era.agent.Schedule;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.DeadLetter;
import dev.era.agents.spi.DueAlarm;
import dev.era.agents.spi.OutboxMessage;
import dev.era.agents.spi.Snapshot;
import dev.era.agents.spi.StoreStats;
import dev.era.agents.spi.TickWrite;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The agent runtime's store ({@link AgentStore}) on PostgreSQL: state, KV, alarms, outbox and dead
 * letters in {@code agent_*} tables beside the state store's, group-committed by one writer
 * ({@link AgentCommitWriter}). Plug it in with {@code EraAgents.withStore(PostgresAgentStore.open(...))}.
 * <p>
 * One daemon at a time: {@link Snapshot#fence()} is always 0 and commits do not check it. Sharing
 * the database between daemons safely needs the Server backend's ownership lease per agent with a
 * fencing epoch checked on every commit, which is not built yet.
 */
public final class PostgresAgentStore implements AgentStore {
    /** The largest code point: any key with a prefix sorts below prefix + this (keys may not contain it). */
    private static final String MAX_CHAR = new String(Character.toChars(Character.MAX_CODE_POINT));
    /** pg_advisory_xact_lock key of the schema creation ("ERA" + 4). */
    private static final long SCHEMA_LOCK = 0x455241_04L;

    private final HikariDataSource pool;
    private final AgentCommitWriter writer;
    private final String where;

    private PostgresAgentStore(HikariDataSource pool, String where, Clock clock) {
        this.pool = pool;
        this.where = where;
        this.writer = new AgentCommitWriter(pool, where, clock);
    }

    /**
     * Connects and creates the agent tables when they are missing.
     *
     * @throws AgentRuntimeException.StoreFailed when the server cannot be reached, refuses the credentials or
     *                                           has no such database; the message says which, never the password
     */
    public static PostgresAgentStore open(PostgresConfig config, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        String where = config.describe();
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("era-agents");
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setMaximumPoolSize(config.poolSize());
        hc.setMinimumIdle(Math.min(2, config.poolSize()));
        hc.setAutoCommit(false);
        hc.setConnectionTimeout(10_000);
        hc.setInitializationFailTimeout(1);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw failure(where, "open", e);
        }
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK + ")");
            for (String statement : Migrations.statements(schema())) {
                s.execute(statement);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw failure(where, "create the agent tables", e);
        }
        return new PostgresAgentStore(pool, where, clock);
    }

    @Override
    public Snapshot load(AgentRef agent) {
        return read("load " + agent, c -> {
            Optional<byte[]> state = Optional.empty();
            try (PreparedStatement ps = c.prepareStatement("SELECT state FROM agent_state WHERE type = ? AND id = ?")) {
                ps.setString(1, agent.type());
                ps.setString(2, agent.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        state = Optional.of(rs.getBytes(1));
                    }
                }
            }
            List<AlarmInfo> alarms = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name, due_ms, schedule, data FROM agent_alarm"
                    + " WHERE type = ? AND id = ? ORDER BY due_ms, name")) {
                ps.setString(1, agent.type());
                ps.setString(2, agent.id());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        alarms.add(alarm(rs, 1));
                    }
                }
            }
            return new Snapshot(state, alarms, 0);
        });
    }

    @Override
    public Optional<byte[]> kvGet(AgentRef agent, String key) {
        return read("read a KV entry of " + agent, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM agent_kv WHERE type = ? AND id = ? AND key = ?")) {
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
            try (PreparedStatement ps = c.prepareStatement("SELECT key, value FROM agent_kv WHERE type = ? AND id = ?"
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
            try (PreparedStatement ps = c.prepareStatement("SELECT type, id, name, due_ms, schedule, data FROM agent_alarm"
                    + " WHERE due_ms >= ? AND due_ms < ? ORDER BY due_ms")) {
                ps.setLong(1, from.toEpochMilli());
                ps.setLong(2, until.toEpochMilli());
                List<DueAlarm> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DueAlarm(AgentRef.of(rs.getString(1), rs.getString(2)), alarm(rs, 3)));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<OutboxMessage> outbox(long afterSeq, int limit) {
        return read("read the outbox", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, to_type, to_id, from_type, from_id, data FROM agent_outbox"
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
            String sql = "SELECT seq, type, id, trigger, payload, error, attempts, failed_ms FROM agent_dead_letter WHERE "
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
        boolean exists = read("find a dead letter", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM agent_dead_letter WHERE seq = ?")) {
                ps.setLong(1, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (exists) {
            writer.discardDeadLetter(seq); // through the one writer, as every other write
        }
        return exists;
    }

    @Override
    public List<String> agentIds(String type, String afterId, int limit) {
        return read("list agents", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM agent_state WHERE type = ? AND id > ? ORDER BY id LIMIT ?")) {
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
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM agent_state), (SELECT count(*) FROM agent_alarm),"
                         + " (SELECT count(*) FROM agent_outbox), (SELECT count(*) FROM agent_dead_letter)")) {
                rs.next();
                return new StoreStats(writer.commits(), writer.writes(), rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
            }
        });
    }

    /** Commits what is queued, then closes every connection. Idempotent. */
    @Override
    public void close() {
        try {
            writer.close();
        } finally {
            pool.close();
        }
    }

    @FunctionalInterface
    private interface Read<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(String doing, Read<T> work) {
        try (Connection c = pool.getConnection()) {
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the pool discards a broken connection
                }
                throw e;
            }
        } catch (SQLException e) {
            throw failure(where, doing, e);
        }
    }

    private static AlarmInfo alarm(ResultSet rs, int col) throws SQLException {
        Instant due = Instant.ofEpochMilli(rs.getLong(col + 1));
        return new AlarmInfo(rs.getString(col), due, Schedule.parse(rs.getString(col + 2), due), rs.getString(col + 3));
    }

    private static AgentRuntimeException.StoreFailed failure(String where, String doing, Throwable cause) {
        SQLException sql = null;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                sql = s;
                break;
            }
        }
        String message = sql != null ? Failures.store(where, doing, sql).getMessage() : "The agent store " + where
                + " could not " + doing + ": " + cause.getMessage();
        return new AgentRuntimeException.StoreFailed(message, Map.of("database", where), cause);
    }

    private static String schema() {
        try (InputStream in = PostgresAgentStore.class.getClassLoader().getResourceAsStream("db/postgres-agents/agents.sql")) {
            if (in == null) {
                throw new IllegalStateException("db/postgres/agents.sql is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
