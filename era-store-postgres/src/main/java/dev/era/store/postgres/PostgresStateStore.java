package dev.era.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.era.api.ConflictException;
import dev.era.api.DeploymentId;
import dev.era.api.NotFoundException;
import dev.era.api.StoreException;
import dev.era.core.ApiKey;
import dev.era.core.Deployment;
import dev.era.core.Event;
import dev.era.core.SandboxRecord;
import dev.era.core.Snapshot;
import dev.era.core.SpecVersion;
import dev.era.core.spi.StateStore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The state store on PostgreSQL, for daemons that share one database: the same tables and rules as
 * the SQLite store, through a HikariCP pool. Writes are group-committed by one writer thread
 * ({@link GroupCommitWriter}): each is atomic, and many share one transaction under load. Every
 * transaction that inserts events holds a transaction-level advisory lock to its commit, so event
 * seqs become visible in the order they were handed out, across every daemon on the database, and
 * a follower of the log never skips one. Reads see every write that has returned.
 * <p>
 * Times are stored with millisecond precision. {@link #saveApiKey} inserts; a second key with the
 * same id or SHA-256 is a {@link ConflictException}. {@link #purge} of an unknown id is a
 * {@link NotFoundException} and writes nothing. Close the store on shutdown; a closed store answers
 * every call with a {@link StoreException}.
 */
public final class PostgresStateStore implements StateStore {
    /** pg_advisory_xact_lock key that orders event inserts ("ERA" + 2). */
    static final long EVENTS_LOCK = 0x455241_02L;

    private final HikariDataSource pool;
    private final GroupCommitWriter writer;
    private final String where;

    private PostgresStateStore(HikariDataSource pool, String where) {
        this.pool = pool;
        this.writer = new GroupCommitWriter(pool, where);
        this.where = where;
    }

    /**
     * Connects, and brings the database's schema up to date.
     *
     * @throws StoreException when the server cannot be reached, refuses the credentials, has no such
     *                        database, or holds a schema written by a newer ERA; the message says which
     */
    public static PostgresStateStore open(PostgresConfig config) {
        Objects.requireNonNull(config, "config");
        String where = config.describe();
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("era-store");
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setMaximumPoolSize(config.poolSize());
        hc.setMinimumIdle(Math.min(2, config.poolSize()));
        hc.setAutoCommit(false);
        hc.setConnectionTimeout(10_000);
        // one attempt: a wrong password or a missing database does not get better by retrying, and the
        // daemon's supervisor (systemd, compose) restarts it when the server was merely not up yet
        hc.setInitializationFailTimeout(1);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            SQLException cause = sqlCause(e);
            throw cause != null ? Failures.store(where, "be opened", cause)
                    : new StoreException("The PostgreSQL state store " + where + " could not be opened: " + e.getMessage(),
                    Map.of("database", where), e);
        }
        try (Connection c = pool.getConnection()) {
            Migrations.apply(c, where);
        } catch (SQLException e) {
            pool.close();
            throw Failures.store(where, "be migrated", e);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new PostgresStateStore(pool, where);
    }

    @Override
    public long create(Deployment d, Event event) {
        Objects.requireNonNull(d, "deployment");
        Objects.requireNonNull(event, "event");
        return write(c -> {
            if (exists(c, "SELECT 1 FROM deployments WHERE tenant = ? AND name = ?", d.tenant(), d.name())) {
                throw new ConflictException("Tenant '" + d.tenant() + "' already has a deployment named '" + d.name()
                        + "'; pick another name or delete the existing one", Map.of("tenant", d.tenant(), "name", d.name()));
            }
            if (exists(c, "SELECT 1 FROM deployments WHERE id = ?", d.id().value())) {
                throw new ConflictException("Deployment id " + d.id() + " is already taken; create the deployment"
                        + " with a new id", Map.of("id", d.id().value()));
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO deployments (" + Rows.DEPLOYMENT_COLUMNS
                    + ") VALUES (?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, d.id().value());
                Rows.bindDeploymentFields(ps, 2, d);
                ps.executeUpdate();
            }
            insertVersion(c, new SpecVersion(d.id(), d.version(), d.spec(), d.createdAt()));
            return insertEvent(c, event);
        });
    }

    @Override
    public long transition(Deployment d, Event event) {
        Objects.requireNonNull(d, "deployment");
        Objects.requireNonNull(event, "event");
        return write(c -> {
            updateRow(c, d);
            return insertEvent(c, event);
        });
    }

    @Override
    public long addVersion(Deployment d, SpecVersion version, Event event) {
        Objects.requireNonNull(d, "deployment");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(event, "event");
        if (!version.deployment().equals(d.id())) {
            throw new IllegalArgumentException("version " + version.version() + " belongs to deployment "
                    + version.deployment() + ", not to " + d.id());
        }
        return write(c -> {
            // the row lock makes two daemons adding versions to one deployment take turns
            if (!exists(c, "SELECT 1 FROM deployments WHERE id = ? FOR UPDATE", d.id().value())) {
                throw notFound(d.id());
            }
            int latest = queryInt(c, "SELECT coalesce(max(version), 0) FROM deployment_versions WHERE deployment_id = ?",
                    d.id().value());
            if (version.version() <= latest) {
                throw new ConflictException("Deployment " + d.id() + " already has version " + latest
                        + "; a new version must be numbered above it, not " + version.version(),
                        Map.of("id", d.id().value(), "latest", latest, "version", version.version()));
            }
            insertVersion(c, version);
            updateRow(c, d);
            return insertEvent(c, event);
        });
    }

    @Override
    public long purge(DeploymentId id, Event event) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(event, "event");
        return write(c -> {
            if (!exists(c, "SELECT 1 FROM deployments WHERE id = ? FOR UPDATE", id.value())) {
                throw notFound(id);
            }
            update(c, "DELETE FROM deployment_versions WHERE deployment_id = ?", id.value());
            update(c, "DELETE FROM deployments WHERE id = ?", id.value());
            return insertEvent(c, event);
        });
    }

    @Override
    public long append(Event event) {
        Objects.requireNonNull(event, "event");
        return write(c -> insertEvent(c, event));
    }

    @Override
    public Optional<Deployment> find(DeploymentId id) {
        Objects.requireNonNull(id, "id");
        return read("read deployment " + id, c -> first(query(c, "SELECT " + Rows.DEPLOYMENT_COLUMNS
                + " FROM deployments WHERE id = ?", Rows::deployment, id.value())));
    }

    @Override
    public Optional<Deployment> findByName(String tenant, String name) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        return read("read deployment " + name + " of tenant " + tenant, c -> first(query(c, "SELECT "
                + Rows.DEPLOYMENT_COLUMNS + " FROM deployments WHERE tenant = ? AND name = ?", Rows::deployment, tenant, name)));
    }

    @Override
    public List<Deployment> deployments() {
        return read("list the deployments", c -> query(c, "SELECT " + Rows.DEPLOYMENT_COLUMNS
                + " FROM deployments ORDER BY created_at, inserted", Rows::deployment));
    }

    @Override
    public List<SpecVersion> versions(DeploymentId id) {
        Objects.requireNonNull(id, "id");
        return read("read the versions of deployment " + id, c -> query(c, "SELECT " + Rows.VERSION_COLUMNS
                + " FROM deployment_versions WHERE deployment_id = ? ORDER BY version", Rows::version, id.value()));
    }

    @Override
    public List<Event> events(long afterSeq, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
        return read("read the events after " + afterSeq, c -> query(c, "SELECT " + Rows.EVENT_COLUMNS
                + " FROM events WHERE seq > ? ORDER BY seq LIMIT ?", Rows::event, afterSeq, limit));
    }

    @Override
    public long lastSeq() {
        return read("read the newest event's seq", c -> queryLong(c, "SELECT coalesce(max(seq), 0) FROM events"));
    }

    @Override
    public void saveApiKey(ApiKey key) {
        Objects.requireNonNull(key, "key");
        write(c -> {
            if (exists(c, "SELECT 1 FROM api_keys WHERE id = ?", key.id())) {
                throw new ConflictException("An API key with id " + key.id() + " already exists; give the new key"
                        + " another id", Map.of("id", key.id()));
            }
            if (exists(c, "SELECT 1 FROM api_keys WHERE sha256 = ?", key.sha256())) {
                throw new ConflictException("An API key with the same secret already exists; generate a new"
                        + " secret", Map.of("id", key.id()));
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (" + Rows.API_KEY_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?)")) {
                Rows.bindApiKey(ps, key);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<ApiKey> apiKeyBySha256(String sha256) {
        Objects.requireNonNull(sha256, "sha256");
        return read("look up an API key", c -> first(query(c, "SELECT " + Rows.API_KEY_COLUMNS
                + " FROM api_keys WHERE sha256 = ?", Rows::apiKey, sha256)));
    }

    @Override
    public List<ApiKey> apiKeys() {
        return read("list the API keys", c -> query(c, "SELECT " + Rows.API_KEY_COLUMNS
                + " FROM api_keys ORDER BY created_at, id", Rows::apiKey));
    }

    @Override
    public void saveSandbox(SandboxRecord sandbox) {
        Objects.requireNonNull(sandbox, "sandbox");
        write(c -> {
            if (!sandbox.name().isEmpty() && exists(c, "SELECT 1 FROM sandboxes WHERE tenant = ? AND name = ? AND id <> ?",
                    sandbox.tenant(), sandbox.name(), sandbox.id())) {
                throw new ConflictException("Tenant '" + sandbox.tenant() + "' already has a sandbox named '"
                        + sandbox.name() + "'; pick another name or delete that sandbox",
                        Map.of("tenant", sandbox.tenant(), "name", sandbox.name()));
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO sandboxes (" + Rows.SANDBOX_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), CAST(? AS jsonb), ?, ?, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET " + excluded(Rows.SANDBOX_COLUMNS))) {
                Rows.bindSandbox(ps, sandbox);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<SandboxRecord> sandboxes() {
        return read("list the sandboxes", c -> query(c, "SELECT " + Rows.SANDBOX_COLUMNS
                + " FROM sandboxes ORDER BY created_at, id", Rows::sandbox));
    }

    @Override
    public void deleteSandbox(String id) {
        Objects.requireNonNull(id, "id");
        write(c -> {
            update(c, "DELETE FROM sandboxes WHERE id = ?", id);
            return null;
        });
    }

    @Override
    public void saveSnapshot(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO snapshots (" + Rows.SNAPSHOT_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET " + excluded(Rows.SNAPSHOT_COLUMNS))) {
                Rows.bindSnapshot(ps, snapshot);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Snapshot> snapshots() {
        return read("list the snapshots", c -> query(c, "SELECT " + Rows.SNAPSHOT_COLUMNS
                + " FROM snapshots ORDER BY created_at, id", Rows::snapshot));
    }

    @Override
    public void deleteSnapshot(String id) {
        Objects.requireNonNull(id, "id");
        write(c -> {
            update(c, "DELETE FROM snapshots WHERE id = ?", id);
            return null;
        });
    }

    /** Commits the writes already queued, then closes every connection. Idempotent. */
    @Override
    public void close() {
        try {
            writer.close();
        } finally {
            pool.close();
        }
    }

    /** Transactions the writer committed so far (fewer than writes under load: group commit). */
    long commits() {
        return writer.commits();
    }

    /** The database this store uses, as {@code jdbc:postgresql://... as user}. */
    public String describe() {
        return where;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> T write(Work<T> work) {
        return writer.write(work::run);
    }

    private <T> T read(String doing, Work<T> work) {
        try (Connection c = pool.getConnection()) {
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw Failures.store(where, doing, e);
        }
    }

    private void updateRow(Connection c, Deployment d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE deployments SET tenant = ?, name = ?, version = ?,"
                + " spec = CAST(? AS jsonb), state = ?, pending_action = ?, handle_engine = ?, handle = ?, pid = ?, health = ?,"
                + " restarts = ?, last_exit_code = ?, message = ?, created_at = ?, updated_at = ? WHERE id = ?")) {
            int next = Rows.bindDeploymentFields(ps, 1, d);
            ps.setString(next, d.id().value());
            if (ps.executeUpdate() == 0) {
                throw notFound(d.id());
            }
        }
    }

    private static NotFoundException notFound(DeploymentId id) {
        return new NotFoundException("No deployment has id " + id + "; it may have been deleted. List the"
                + " deployments to find the current id", Map.of("id", id.value()));
    }

    private static void insertVersion(Connection c, SpecVersion v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO deployment_versions (" + Rows.VERSION_COLUMNS
                + ") VALUES (?, ?, CAST(? AS jsonb), ?)")) {
            Rows.bindVersion(ps, v);
            ps.executeUpdate();
        }
    }

    /** Last in every write: the lock, held to commit, makes seqs visible in the order they are taken. */
    private static long insertEvent(Connection c, Event e) throws SQLException {
        queryLong(c, "SELECT 0 FROM pg_advisory_xact_lock(" + EVENTS_LOCK + ")");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO events (at, tenant, deployment, name, type,"
                + " state, message, details) VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb)) RETURNING seq")) {
            Rows.bindEvent(ps, e);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** {@code a = EXCLUDED.a, b = EXCLUDED.b, ...} for every column but the first (the id). */
    private static String excluded(String columns) {
        List<String> sets = new ArrayList<>();
        String[] names = columns.split(",");
        for (int i = 1; i < names.length; i++) {
            String n = names[i].strip();
            sets.add(n + " = EXCLUDED." + n);
        }
        return String.join(", ", sets);
    }

    private static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(mapper.map(rs));
            }
            return out;
        }
    }

    private static boolean exists(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private static int queryInt(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long queryLong(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params)) {
            ps.executeUpdate();
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }

    private static <T> Optional<T> first(List<T> rows) {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the failure being reported matters more; the pool discards a broken connection
        }
    }

    private static SQLException sqlCause(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (x instanceof SQLException s) {
                return s;
            }
        }
        return null;
    }
}
