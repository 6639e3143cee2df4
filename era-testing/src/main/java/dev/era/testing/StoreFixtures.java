package dev.era.testing;

import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.Resources;
import dev.era.core.ApiKey;
import dev.era.core.Deployment;
import dev.era.core.Event;
import dev.era.core.Health;
import dev.era.core.LifecycleState;
import dev.era.core.SandboxRecord;
import dev.era.core.Snapshot;
import dev.era.core.SpecCodec;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Values for store tests. Instants are whole milliseconds, the precision every store keeps, so that
 * what is read back equals what was written.
 */
public final class StoreFixtures {
    public static final Instant T0 = Instant.parse("2026-03-01T12:00:00.123Z");

    private StoreFixtures() {
    }

    /** The smallest valid spec named {@code name}. */
    public static AppSpec spec(String name) {
        return SpecCodec.parse("name: " + name + "\ncommand: [sleep, \"60\"]\n");
    }

    /** A spec that sets every field the codec knows, each to something other than its default. */
    public static AppSpec fullSpec(String name) {
        return SpecCodec.parse("""
                name: %s
                engine: process
                artifact: file:///opt/apps/web.tar.gz
                command: [python3, -m, http.server]
                args: ["8080", --bind, 127.0.0.1]
                env: {GREETING: "héllo wörld", EMPTY: "", QUOTES: "it's \\"quoted\\""}
                workingDir: /workspace/app
                resources: {cpu: 0.5, memory: 256Mi, pids: 64}
                health:
                  http: {port: 8080, path: /healthz}
                  initialDelay: 1500ms
                  interval: 2s
                  timeout: 1s
                  successThreshold: 2
                  failureThreshold: 4
                  deadline: 5m
                restart: {policy: always, maxRetries: 7, backoff: 300ms, maxBackoff: 1m, resetAfter: 2h}
                volumes:
                  - {name: data, mountPath: /var/data, readOnly: false}
                  - {name: config, mountPath: /etc/app, readOnly: true}
                stopTimeout: 45s
                port: 8443
                update: {strategy: blue-green, healthyDeadline: 2m, minHealthyTime: 5s}
                """.formatted(name));
    }

    /** A freshly validated deployment at version 1, without a handle. */
    public static Deployment deployment(String tenant, String name, Instant at) {
        return new Deployment(DeploymentId.random(), tenant, name, 1, spec(name), LifecycleState.VALIDATING, "",
                Deployment.NO_HANDLE, 0, Health.UNKNOWN, 0, -1, "", at, at);
    }

    /** The event a transition of {@code d} into its current state would append. */
    public static Event event(Deployment d, String type, String message) {
        return new Event(0, d.updatedAt(), d.tenant(), d.id().value(), d.name(), type, d.state().name(), message,
                Map.of());
    }

    /** A daemon-wide event, not about any deployment. */
    public static Event daemonEvent(Instant at, String message) {
        return new Event(0, at, "", "", "", "daemon", "", message, Map.of());
    }

    /** A claimed sandbox with every field set to something other than its default. */
    public static SandboxRecord sandbox(String id, String tenant, String name, Instant at) {
        return new SandboxRecord(id, tenant, name, "process", "docker.io/library/python:3.13",
                new Resources(1.5, 512L << 20, 128), "host", Map.of("GREETING", "héllo", "EMPTY", ""),
                Map.of("team", "ml", "purpose", "it's \"quoted\""), Duration.ofMinutes(15), "snap-0123456789ab", false, at);
    }

    /** A finished snapshot of {@code sandboxId}. */
    public static Snapshot snapshot(String id, String tenant, String sandboxId, Instant at) {
        return new Snapshot(id, tenant, sandboxId, "before upgrade", "complete", 104_857_600L,
                "s3://era/" + tenant + "/" + id + ".tar", "", at);
    }

    public static ApiKey apiKey(String id, String tenant, String sha256, Instant at) {
        return new ApiKey(id, tenant, sha256, "key " + id, at);
    }
}
