package dev.era.store.sqlite;

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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The embedded state store: one SQLite file in WAL mode. Every write goes through a single writer
 * thread that commits whatever is queued at that moment in one transaction (group commit); a write
 * method returns once its transaction is committed. Reads run on a small pool of read-only
 * connections and see every write that has returned.
 * <p>
 * The caller must open one store per file per process, and {@link #close()} it on shutdown, which
 * commits the writes already queued. A committed write survives a crash of the daemon
 * ({@code kill -9}); a power loss may roll back the last commits before a checkpoint (the file
 * stays consistent), which is out of scope for the embedded store.
 * Times are stored with millisecond precision. {@link #saveApiKey} inserts; a second key with the
 * same id or SHA-256 is a {@link ConflictException}. {@link #purge} of an unknown id is a
 * {@link NotFoundException} and writes nothing.
 */
public final class SqliteStateStore implements StateStore {
    private final Path file;
    private final GroupCommitWriter writer;
    private final ReadPool reads;

    private SqliteStateStore(Path file, GroupCommitWriter writer, ReadPool reads) {
        this.file = file;
        this.writer = writer;
        this.reads = reads;
    }

    /**
     * Opens the store in {@code file}, creating the file and its parent directories if needed,
     * and brings its schema up to date.
     *
     * @throws StoreException when the file cannot be created or opened, is not an ERA database, is
     *                        damaged, or was written by a newer ERA; the message names the file
     */
    public static SqliteStateStore open(Path file) {
        Path db = file.toAbsolutePath().normalize();
        try {
            Files.createDirectories(db.getParent());
        } catch (IOException e) {
            throw new StoreException("Cannot create the directory " + db.getParent() + " for the state store " + db
                    + ": " + e + "; check that the daemon's user may create it", Map.of("file", db.toString()), e);
        }
        NativeLibrary.prepare(db.getParent());
        Connection write = null;
        ReadPool reads = null;
        try {
            write = Connections.writer(db);
            Migrations.apply(write, db);
            reads = ReadPool.open(db);
            return new SqliteStateStore(db, new GroupCommitWriter(write, db), reads);
        } catch (SQLException e) {
            closeQuietly(write, reads);
            throw Failures.store(db, "be opened", e);
        } catch (RuntimeException e) {
            closeQuietly(write, reads);
            throw e;
        }
    }

    @Override
    public long create(Deployment d, Event event) {
        Objects.requireNonNull(d, "deployment");
        Objects.requireNonNull(event, "event");
        return writer.write(c -> {
            if (exists(c, "SELECT 1 FROM deployments WHERE tenant = ? AND name = ?", d.tenant(), d.name())) {
                throw new ConflictException("Tenant '" + d.tenant() + "' already has a deployment named '" + d.name()
                        + "'; pick another name or delete the existing one",
                        Map.of("tenant", d.tenant(), "name", d.name()));
            }
            if (exists(c, "SELECT 1 FROM deployments WHERE id = ?", d.id().value())) {
                throw new ConflictException("Deployment id " + d.id() + " is already taken; create the deployment"
                        + " with a new id", Map.of("id", d.id().value()));
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO deployments (" + Rows.DEPLOYMENT_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
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
        return writer.write(c -> {
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
        return writer.write(c -> {
            requireDeployment(c, d.id());
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
        return writer.write(c -> {
            requireDeployment(c, id);
            update(c, "DELETE FROM deployment_versions WHERE deployment_id = ?", id.value());
            update(c, "DELETE FROM deployments WHERE id = ?", id.value());
            return insertEvent(c, event);
        });
    }

    @Override
    public long append(Event event) {
        Objects.requireNonNull(event, "event");
        return writer.write(c -> insertEvent(c, event));
    }

    @Override
    public Optional<Deployment> find(DeploymentId id) {
        Objects.requireNonNull(id, "id");
        return reads.read("read deployment " + id, c -> first(query(c, "SELECT " + Rows.DEPLOYMENT_COLUMNS
                + " FROM deployments WHERE id = ?", Rows::deployment, id.value())));
    }

    @Override
    public Optional<Deployment> findByName(String tenant, String name) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        return reads.read("read deployment " + name + " of tenant " + tenant, c -> first(query(c, "SELECT "
                + Rows.DEPLOYMENT_COLUMNS + " FROM deployments WHERE tenant = ? AND name = ?", Rows::deployment,
                tenant, name)));
    }

    @Override
    public List<Deployment> deployments() {
        // rowid breaks ties in insertion order: it only grows while rows are being added.
        return reads.read("list the deployments", c -> query(c, "SELECT " + Rows.DEPLOYMENT_COLUMNS
                + " FROM deployments ORDER BY created_at, rowid", Rows::deployment));
    }

    @Override
    public List<SpecVersion> versions(DeploymentId id) {
        Objects.requireNonNull(id, "id");
        return reads.read("read the versions of deployment " + id, c -> query(c, "SELECT " + Rows.VERSION_COLUMNS
                + " FROM deployment_versions WHERE deployment_id = ? ORDER BY version", Rows::version, id.value()));
    }

    @Override
    public List<Event> events(long afterSeq, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
        return reads.read("read the events after " + afterSeq, c -> query(c, "SELECT " + Rows.EVENT_COLUMNS
                + " FROM events WHERE seq > ? ORDER BY seq LIMIT ?", Rows::event, afterSeq, limit));
    }

    @Override
    public long lastSeq() {
        // max() of the INTEGER PRIMARY KEY is answered from the end of the b-tree, not by a scan
        return reads.read("read the newest event's seq", c -> queryLong(c, "SELECT coalesce(max(seq), 0) FROM events"));
    }

    @Override
    public void saveApiKey(ApiKey key) {
        Objects.requireNonNull(key, "key");
        writer.write(c -> {
            if (exists(c, "SELECT 1 FROM api_keys WHERE id = ?", key.id())) {
                throw new ConflictException("An API key with id " + key.id() + " already exists; give the new key"
                        + " another id", Map.of("id", key.id()));
            }
            if (exists(c, "SELECT 1 FROM api_keys WHERE sha256 = ?", key.sha256())) {
                // Authentication looks keys up by hash, so two keys with one hash would be ambiguous.
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
        return reads.read("look up an API key", c -> first(query(c, "SELECT " + Rows.API_KEY_COLUMNS
                + " FROM api_keys WHERE sha256 = ?", Rows::apiKey, sha256)));
    }

    @Override
    public List<ApiKey> apiKeys() {
        return reads.read("list the API keys", c -> query(c, "SELECT " + Rows.API_KEY_COLUMNS
                + " FROM api_keys ORDER BY created_at, id", Rows::apiKey));
    }

    @Override
    public void saveSandbox(SandboxRecord sandbox) {
        Objects.requireNonNull(sandbox, "sandbox");
        writer.write(c -> {
            if (!sandbox.name().isEmpty() && exists(c, "SELECT 1 FROM sandboxes WHERE tenant = ? AND name = ? AND id <> ?",
                    sandbox.tenant(), sandbox.name(), sandbox.id())) {
                throw new ConflictException("Tenant '" + sandbox.tenant() + "' already has a sandbox named '"
                        + sandbox.name() + "'; pick another name or delete that sandbox",
                        Map.of("tenant", sandbox.tenant(), "name", sandbox.name()));
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO sandboxes (" + Rows.SANDBOX_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                Rows.bindSandbox(ps, sandbox);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<SandboxRecord> sandboxes() {
        return reads.read("list the sandboxes", c -> query(c, "SELECT " + Rows.SANDBOX_COLUMNS
                + " FROM sandboxes ORDER BY created_at, id", Rows::sandbox));
    }

    @Override
    public void deleteSandbox(String id) {
        Objects.requireNonNull(id, "id");
        writer.write(c -> {
            update(c, "DELETE FROM sandboxes WHERE id = ?", id);
            return null;
        });
    }

    @Override
    public void saveSnapshot(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        writer.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO snapshots (" + Rows.SNAPSHOT_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                Rows.bindSnapshot(ps, snapshot);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Snapshot> snapshots() {
        return reads.read("list the snapshots", c -> query(c, "SELECT " + Rows.SNAPSHOT_COLUMNS
                + " FROM snapshots ORDER BY created_at, id", Rows::snapshot));
    }

    @Override
    public void deleteSnapshot(String id) {
        Objects.requireNonNull(id, "id");
        writer.write(c -> {
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
            reads.close();
        }
    }

    /** The file this store keeps its data in. */
    Path file() {
        return file;
    }

    GroupCommitWriter writer() {
        return writer;
    }

    private void updateRow(Connection c, Deployment d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE deployments SET tenant = ?, name = ?, version = ?,"
                + " spec = ?, state = ?, pending_action = ?, handle_engine = ?, handle = ?, pid = ?, health = ?,"
                + " restarts = ?, last_exit_code = ?, message = ?, created_at = ?, updated_at = ?, port = ?,"
                + " rollout_version = ?, rollout_handle_engine = ?, rollout_handle = ?, rollout_pid = ?,"
                + " rollout_port = ?, rollout_reason = ? WHERE id = ?")) {
            int next = Rows.bindDeploymentFields(ps, 1, d);
            ps.setString(next, d.id().value());
            if (ps.executeUpdate() == 0) {
                throw notFound(d.id());
            }
        }
    }

    private static void requireDeployment(Connection c, DeploymentId id) throws SQLException {
        if (!exists(c, "SELECT 1 FROM deployments WHERE id = ?", id.value())) {
            throw notFound(id);
        }
    }

    private static NotFoundException notFound(DeploymentId id) {
        return new NotFoundException("No deployment has id " + id + "; it may have been deleted. List the"
                + " deployments to find the current id", Map.of("id", id.value()));
    }

    private static void insertVersion(Connection c, SpecVersion v) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO deployment_versions (" + Rows.VERSION_COLUMNS
                + ") VALUES (?, ?, ?, ?)")) {
            Rows.bindVersion(ps, v);
            ps.executeUpdate();
        }
    }

    private static long insertEvent(Connection c, Event e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO events (at, tenant, deployment, name, type,"
                + " state, message, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq")) {
            Rows.bindEvent(ps, e);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params)
            throws SQLException {
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

    private static void closeQuietly(Connection write, ReadPool reads) {
        if (reads != null) {
            reads.close();
        }
        if (write != null) {
            try {
                write.close();
            } catch (SQLException ignored) {
                // Opening already failed; that failure is the one the caller needs to see.
            }
        }
    }
}
