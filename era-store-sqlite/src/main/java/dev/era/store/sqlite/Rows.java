package dev.era.store.sqlite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.EraException;
import dev.era.api.Resources;
import dev.era.core.ApiKey;
import dev.era.core.Deployment;
import dev.era.core.Rollout;
import dev.era.core.Event;
import dev.era.core.Health;
import dev.era.core.LifecycleState;
import dev.era.core.SandboxRecord;
import dev.era.core.Snapshot;
import dev.era.core.SpecCodec;
import dev.era.core.SpecVersion;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps the store's records to rows and back. Times are kept as epoch milliseconds, so an
 * {@link Instant} comes back truncated to the millisecond.
 * <p>
 * A row this build cannot understand (a spec the codec now rejects, an unknown state name) is
 * reported as {@link SQLDataException}, which the caller turns into a store failure naming the
 * file: it is a problem of the stored data, not of the request.
 */
final class Rows {
    static final String DEPLOYMENT_COLUMNS = "id, tenant, name, version, spec, state, pending_action, handle_engine,"
            + " handle, pid, health, restarts, last_exit_code, message, created_at, updated_at, port, rollout_version,"
            + " rollout_handle_engine, rollout_handle, rollout_pid, rollout_port, rollout_reason";
    static final String EVENT_COLUMNS = "seq, at, tenant, deployment, name, type, state, message, details";
    static final String VERSION_COLUMNS = "deployment_id, version, spec, created_at";
    static final String API_KEY_COLUMNS = "id, tenant, sha256, label, created_at";
    static final String SANDBOX_COLUMNS = "id, tenant, name, engine, image, cpu, memory_bytes, pids, network, env,"
            + " labels, idle_timeout_ms, from_snapshot, pooled, created_at";
    static final String SNAPSHOT_COLUMNS = "id, tenant, sandbox_id, name, status, size_bytes, location, message,"
            + " created_at";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> DETAILS = new TypeReference<>() {};

    private Rows() {
    }

    /** Binds every column of {@link #DEPLOYMENT_COLUMNS} except {@code id}, from parameter {@code at}. */
    static int bindDeploymentFields(PreparedStatement ps, int at, Deployment d) throws SQLException {
        ps.setString(at++, d.tenant());
        ps.setString(at++, d.name());
        ps.setInt(at++, d.version());
        ps.setString(at++, SpecCodec.write(d.spec()));
        ps.setString(at++, d.state().name());
        ps.setString(at++, d.pendingAction());
        ps.setString(at++, d.handle().engine());
        ps.setBytes(at++, d.handle().data());
        ps.setLong(at++, d.pid());
        ps.setString(at++, d.health().name());
        ps.setInt(at++, d.restarts());
        ps.setInt(at++, d.lastExitCode());
        ps.setString(at++, d.message());
        ps.setLong(at++, d.createdAt().toEpochMilli());
        ps.setLong(at++, d.updatedAt().toEpochMilli());
        ps.setInt(at++, d.port());
        Rollout r = d.rollout();
        ps.setInt(at++, r.version());
        ps.setString(at++, r.handle().engine());
        ps.setBytes(at++, r.handle().data());
        ps.setLong(at++, r.pid());
        ps.setInt(at++, r.port());
        ps.setString(at++, r.reason());
        return at;
    }

    static Deployment deployment(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        try {
            String engine = rs.getString("handle_engine");
            byte[] data = rs.getBytes("handle");
            EngineHandle handle = engine.isEmpty() ? Deployment.NO_HANDLE
                    : new EngineHandle(engine, data == null ? new byte[0] : data);
            return new Deployment(new DeploymentId(id), rs.getString("tenant"), rs.getString("name"),
                    rs.getInt("version"), spec(rs.getString("spec")), LifecycleState.valueOf(rs.getString("state")),
                    rs.getString("pending_action"), handle, rs.getLong("pid"), Health.valueOf(rs.getString("health")),
                    rs.getInt("restarts"), rs.getInt("last_exit_code"), rs.getString("message"),
                    instant(rs, "created_at"), instant(rs, "updated_at"), rs.getInt("port"), rollout(rs));
        } catch (EraException | IllegalArgumentException e) {
            throw new SQLDataException("stored deployment " + id + " cannot be read by this build: "
                    + e.getMessage(), e);
        }
    }

    private static Rollout rollout(ResultSet rs) throws SQLException {
        int version = rs.getInt("rollout_version");
        if (version == 0) {
            return Rollout.NONE;
        }
        String engine = rs.getString("rollout_handle_engine");
        byte[] data = rs.getBytes("rollout_handle");
        EngineHandle handle = engine.isEmpty() ? Deployment.NO_HANDLE
                : new EngineHandle(engine, data == null ? new byte[0] : data);
        return new Rollout(version, handle, rs.getLong("rollout_pid"), rs.getInt("rollout_port"),
                rs.getString("rollout_reason"));
    }

    static void bindVersion(PreparedStatement ps, SpecVersion v) throws SQLException {
        ps.setString(1, v.deployment().value());
        ps.setInt(2, v.version());
        ps.setString(3, SpecCodec.write(v.spec()));
        ps.setLong(4, v.createdAt().toEpochMilli());
    }

    static SpecVersion version(ResultSet rs) throws SQLException {
        String id = rs.getString("deployment_id");
        int version = rs.getInt("version");
        try {
            return new SpecVersion(new DeploymentId(id), version, spec(rs.getString("spec")),
                    instant(rs, "created_at"));
        } catch (EraException | IllegalArgumentException e) {
            throw new SQLDataException("stored version " + version + " of deployment " + id
                    + " cannot be read by this build: " + e.getMessage(), e);
        }
    }

    /** Binds every column of {@link #EVENT_COLUMNS} except {@code seq}, which the database assigns. */
    static void bindEvent(PreparedStatement ps, Event e) throws SQLException {
        ps.setLong(1, e.at().toEpochMilli());
        ps.setString(2, e.tenant());
        ps.setString(3, e.deployment());
        ps.setString(4, e.name());
        ps.setString(5, e.type());
        ps.setString(6, e.state());
        ps.setString(7, e.message());
        ps.setString(8, detailsJson(e.details()));
    }

    static Event event(ResultSet rs) throws SQLException {
        long seq = rs.getLong("seq");
        Map<String, String> details;
        try {
            details = JSON.readValue(rs.getString("details"), DETAILS);
        } catch (JsonProcessingException e) {
            throw new SQLDataException("stored event " + seq + " has details that are not a JSON object of"
                    + " strings: " + e.getOriginalMessage(), e);
        }
        return new Event(seq, instant(rs, "at"), rs.getString("tenant"), rs.getString("deployment"),
                rs.getString("name"), rs.getString("type"), rs.getString("state"), rs.getString("message"), details);
    }

    static void bindApiKey(PreparedStatement ps, ApiKey k) throws SQLException {
        ps.setString(1, k.id());
        ps.setString(2, k.tenant());
        ps.setString(3, k.sha256());
        ps.setString(4, k.label());
        ps.setLong(5, k.createdAt().toEpochMilli());
    }

    static ApiKey apiKey(ResultSet rs) throws SQLException {
        return new ApiKey(rs.getString("id"), rs.getString("tenant"), rs.getString("sha256"), rs.getString("label"),
                instant(rs, "created_at"));
    }

    static void bindSandbox(PreparedStatement ps, SandboxRecord s) throws SQLException {
        ps.setString(1, s.id());
        ps.setString(2, s.tenant());
        ps.setString(3, s.name());
        ps.setString(4, s.engine());
        ps.setString(5, s.image());
        ps.setDouble(6, s.resources().cpu());
        ps.setLong(7, s.resources().memoryBytes());
        ps.setInt(8, s.resources().pids());
        ps.setString(9, s.network());
        ps.setString(10, detailsJson(s.env()));
        ps.setString(11, detailsJson(s.labels()));
        ps.setLong(12, s.idleTimeout().toMillis());
        ps.setString(13, s.fromSnapshot());
        ps.setInt(14, s.pooled() ? 1 : 0);
        ps.setLong(15, s.createdAt().toEpochMilli());
    }

    static SandboxRecord sandbox(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        try {
            return new SandboxRecord(id, rs.getString("tenant"), rs.getString("name"), rs.getString("engine"),
                    rs.getString("image"), new Resources(rs.getDouble("cpu"), rs.getLong("memory_bytes"),
                    rs.getInt("pids")), rs.getString("network"), JSON.readValue(rs.getString("env"), DETAILS),
                    JSON.readValue(rs.getString("labels"), DETAILS), Duration.ofMillis(rs.getLong("idle_timeout_ms")),
                    rs.getString("from_snapshot"), rs.getInt("pooled") == 1, instant(rs, "created_at"));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SQLDataException("stored sandbox " + id + " cannot be read by this build: " + e.getMessage(), e);
        }
    }

    static void bindSnapshot(PreparedStatement ps, Snapshot s) throws SQLException {
        ps.setString(1, s.id());
        ps.setString(2, s.tenant());
        ps.setString(3, s.sandboxId());
        ps.setString(4, s.name());
        ps.setString(5, s.status());
        ps.setLong(6, s.sizeBytes());
        ps.setString(7, s.location());
        ps.setString(8, s.message());
        ps.setLong(9, s.createdAt().toEpochMilli());
    }

    static Snapshot snapshot(ResultSet rs) throws SQLException {
        return new Snapshot(rs.getString("id"), rs.getString("tenant"), rs.getString("sandbox_id"),
                rs.getString("name"), rs.getString("status"), rs.getLong("size_bytes"), rs.getString("location"),
                rs.getString("message"), instant(rs, "created_at"));
    }

    private static AppSpec spec(String json) {
        return SpecCodec.parseStored(json);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }

    private static String detailsJson(Map<String, String> details) {
        try {
            // Sorted, so that equal maps are stored as equal text.
            return JSON.writeValueAsString(new TreeMap<>(details));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serializes", e);
        }
    }
}
