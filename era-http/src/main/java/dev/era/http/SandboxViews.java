package dev.era.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.core.Execution;
import dev.era.core.FileEntry;
import dev.era.core.Sandbox;
import dev.era.core.Snapshot;
import dev.era.core.SpecCodec;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON wire shapes of sandboxes, executions, files and snapshots; openapi.json documents them. */
final class SandboxViews {
    private SandboxViews() {
    }

    static ObjectNode sandbox(Sandbox s) {
        ObjectNode o = Json.object();
        o.put("id", s.id());
        o.put("name", s.name());
        o.put("tenant", s.tenant());
        o.put("state", s.state().name());
        o.put("engine", s.engine());
        o.put("image", s.image());
        ObjectNode r = o.putObject("resources");
        r.put("cpu", s.resources().cpu());
        r.put("memory", s.resources().memoryBytes());
        r.put("pids", s.resources().pids());
        o.put("network", s.network());
        strings(o.putObject("env"), s.env());
        strings(o.putObject("labels"), s.labels());
        o.put("idleTimeout", SpecCodec.duration(s.idleTimeout()));
        o.put("fromSnapshot", s.fromSnapshot());
        o.put("message", s.message());
        o.put("createdAt", time(s.createdAt()));
        o.put("lastActivity", time(s.lastActivity()));
        return o;
    }

    static ObjectNode sandboxes(List<Sandbox> all) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("sandboxes");
        all.forEach(s -> a.add(sandbox(s)));
        return o;
    }

    /** {@code exitCode} is null while the command runs. */
    static ObjectNode execution(Execution e) {
        ObjectNode o = Json.object();
        o.put("executionId", e.id());
        o.put("sandboxId", e.sandboxId());
        o.put("command", e.command());
        o.put("shell", e.shell());
        o.put("status", e.status());
        if (e.finished()) {
            o.put("exitCode", e.exitCode());
        } else {
            o.putNull("exitCode");
        }
        o.put("stdout", e.stdout());
        o.put("stderr", e.stderr());
        o.put("truncated", e.truncated());
        o.put("startedAt", time(e.startedAt()));
        o.put("finishedAt", time(e.finishedAt()));
        return o;
    }

    static ObjectNode executions(List<Execution> all) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("executions");
        all.forEach(e -> a.add(execution(e)));
        return o;
    }

    /** {@code mode} is the permission bits as an octal string such as {@code "0644"}. */
    static ObjectNode file(FileEntry f) {
        ObjectNode o = Json.object();
        o.put("path", f.path());
        o.put("name", f.name());
        o.put("type", f.directory() ? "directory" : "file");
        o.put("size", f.size());
        o.put("mode", String.format("%04o", f.mode() & 07777));
        o.put("modifiedAt", time(f.modifiedAt()));
        return o;
    }

    static ObjectNode files(String path, List<FileEntry> all) {
        ObjectNode o = Json.object();
        o.put("path", path);
        ArrayNode a = o.putArray("entries");
        all.forEach(f -> a.add(file(f)));
        return o;
    }

    static ObjectNode snapshot(Snapshot s) {
        ObjectNode o = Json.object();
        o.put("id", s.id());
        o.put("tenant", s.tenant());
        o.put("sandboxId", s.sandboxId());
        o.put("name", s.name());
        o.put("status", s.status());
        o.put("sizeBytes", s.sizeBytes());
        o.put("location", s.location());
        o.put("message", s.message());
        o.put("createdAt", time(s.createdAt()));
        return o;
    }

    static ObjectNode snapshots(List<Snapshot> all) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("snapshots");
        all.forEach(s -> a.add(snapshot(s)));
        return o;
    }

    private static void strings(ObjectNode o, Map<String, String> values) {
        new TreeMap<>(values).forEach(o::put);
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
