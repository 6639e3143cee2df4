package dev.era.http;

import dev.era.api.Resources;
import dev.era.core.Sandbox;
import dev.era.core.SandboxRequest;
import dev.era.core.SandboxService;
import dev.era.core.Snapshot;

import java.time.Duration;
import java.util.Set;

/** {@code /sandboxes} (create, list, get, delete, suspend, resume, keep-alive) and {@code /snapshots}. */
final class SandboxEndpoints {
    static final Set<String> CREATE_FIELDS = Set.of("name", "engine", "image", "resources", "network", "env", "labels",
            "idleTimeout", "fromSnapshot", "command");
    private static final Set<String> RESOURCE_FIELDS = Set.of("cpu", "memory", "pids");
    private static final Set<String> SNAPSHOT_FIELDS = Set.of("name", "async");
    /** Longest idle timeout a request may ask for; the service may cap it further. */
    private static final Duration MAX_IDLE = Duration.ofDays(30);
    private static final long MAX_MEMORY = 1L << 40;

    private final SandboxService sandboxes;

    SandboxEndpoints(SandboxService sandboxes) {
        this.sandboxes = sandboxes;
    }

    void register(Router r) {
        r.add("POST", "/sandboxes", this::create);
        r.add("GET", "/sandboxes", ex -> ex.json(200, SandboxViews.sandboxes(sandboxes.list(ex.caller()))));
        r.add("GET", "/sandboxes/{id}", ex -> sandbox(ex, sandboxes.get(ex.caller(), ex.param("id"))));
        r.add("DELETE", "/sandboxes/{id}", ex -> sandbox(ex, sandboxes.delete(ex.caller(), ex.param("id"))));
        r.add("POST", "/sandboxes/{id}/suspend", ex -> sandbox(ex, sandboxes.suspend(ex.caller(), ex.param("id"))));
        r.add("POST", "/sandboxes/{id}/resume", ex -> sandbox(ex, sandboxes.resume(ex.caller(), ex.param("id"))));
        r.add("POST", "/sandboxes/{id}/keepalive", ex -> sandbox(ex, sandboxes.keepAlive(ex.caller(), ex.param("id"))));
        r.add("POST", "/sandboxes/{id}/snapshots", this::snapshot);
        r.add("GET", "/snapshots", ex -> ex.json(200, SandboxViews.snapshots(sandboxes.snapshots(ex.caller()))));
        r.add("GET", "/snapshots/{sid}", ex -> ex.json(200,
                SandboxViews.snapshot(sandboxes.snapshotInfo(ex.caller(), ex.param("sid")))));
        r.add("DELETE", "/snapshots/{sid}", ex -> {
            sandboxes.deleteSnapshot(ex.caller(), ex.param("sid"));
            ex.noContent();
        });
    }

    private static void sandbox(Exchange ex, Sandbox s) {
        ex.json(200, SandboxViews.sandbox(s));
    }

    private void create(Exchange ex) {
        SandboxRequest request = request(JsonBody.read(ex, CREATE_FIELDS));
        Sandbox s = sandboxes.create(ex.caller(), request);
        ex.header("Location", "/sandboxes/" + s.id());
        ex.json(201, SandboxViews.sandbox(s));
    }

    /** Reads a create body; the service checks the values further (engine, network, quotas). */
    static SandboxRequest request(JsonBody b) {
        Resources resources = b.object("resources", RESOURCE_FIELDS).map(r -> new Resources(
                r.number("cpu", 0, 0, 1024),
                r.size("memory", MAX_MEMORY),
                (int) r.wholeNumber("pids", 0, 0, 1 << 22))).orElse(Resources.UNLIMITED);
        return new SandboxRequest(b.text("name", ""), b.text("engine", ""), b.text("image", ""), resources,
                b.text("network", "none"), b.strings("env"), b.strings("labels"), b.duration("idleTimeout", MAX_IDLE),
                b.text("fromSnapshot", ""), b.command("command"));
    }

    private void snapshot(Exchange ex) {
        JsonBody b = JsonBody.read(ex, SNAPSHOT_FIELDS);
        boolean async = b.bool("async", false);
        Snapshot s = sandboxes.snapshot(ex.caller(), ex.param("id"), b.text("name", ""), async);
        ex.header("Location", "/snapshots/" + s.id());
        ex.json(s.status().equals("in_progress") ? 202 : 201, SandboxViews.snapshot(s));
    }
}
