package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;

import java.time.Instant;
import java.util.Optional;

/**
 * A deployment as the store keeps it. Immutable: every change is a new value written by one
 * transition.
 *
 * @param version        the version being run (or brought up)
 * @param pendingAction  the lifecycle action in flight (journaled before the engine is called), or empty
 * @param handle         the engine's handle, or {@link #NO_HANDLE}
 * @param pid            host pid of the running work, 0 when none
 * @param restarts       restarts since the process last stayed up for the policy's reset time
 * @param lastExitCode   exit code of the last exit, -1 when it never exited
 * @param message        the latest human explanation (failure cause, restart reason)
 * @param port           the port the serving version listens on ({@code $PORT}), 0 when the spec has no public port
 * @param rollout        the update or rollback in flight, or {@link Rollout#NONE}
 */
public record Deployment(DeploymentId id, String tenant, String name, int version, AppSpec spec,
                         LifecycleState state, String pendingAction, EngineHandle handle, long pid,
                         Health health, int restarts, int lastExitCode, String message,
                         Instant createdAt, Instant updatedAt, int port, Rollout rollout) {
    public static final EngineHandle NO_HANDLE = new EngineHandle("", new byte[0]);

    /** A deployment with no public port and no update in flight. */
    public Deployment(DeploymentId id, String tenant, String name, int version, AppSpec spec,
                      LifecycleState state, String pendingAction, EngineHandle handle, long pid,
                      Health health, int restarts, int lastExitCode, String message,
                      Instant createdAt, Instant updatedAt) {
        this(id, tenant, name, version, spec, state, pendingAction, handle, pid, health, restarts, lastExitCode,
                message, createdAt, updatedAt, 0, Rollout.NONE);
    }

    public Deployment withPort(int newPort) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, handle, pid, health, restarts,
                lastExitCode, message, createdAt, updatedAt, newPort, rollout);
    }

    public Deployment withRollout(Rollout r) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, handle, pid, health, restarts,
                lastExitCode, message, createdAt, updatedAt, port, r);
    }

    public Deployment withTenant(String t) {
        return new Deployment(id, t, name, version, spec, state, pendingAction, handle, pid, health, restarts,
                lastExitCode, message, createdAt, updatedAt, port, rollout);
    }

    public Optional<EngineHandle> engineHandle() {
        return handle.engine().isEmpty() ? Optional.empty() : Optional.of(handle);
    }

    public Deployment withState(LifecycleState next, String action, Instant now) {
        return new Deployment(id, tenant, name, version, spec, next, action, handle, pid, health, restarts,
                lastExitCode, message, createdAt, now, port, rollout);
    }

    public Deployment withHandle(EngineHandle h, long newPid) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, h, newPid, health, restarts,
                lastExitCode, message, createdAt, updatedAt, port, rollout);
    }

    public Deployment withHealth(Health h) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, handle, pid, h, restarts,
                lastExitCode, message, createdAt, updatedAt, port, rollout);
    }

    public Deployment withExit(int exitCode, int restartCount, String why) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, handle, pid, health,
                restartCount, exitCode, why, createdAt, updatedAt, port, rollout);
    }

    public Deployment withMessage(String why) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, handle, pid, health, restarts,
                lastExitCode, why, createdAt, updatedAt, port, rollout);
    }

    public Deployment withVersion(int newVersion, AppSpec newSpec) {
        return new Deployment(id, tenant, name, newVersion, newSpec, state, pendingAction, handle, pid, health,
                restarts, lastExitCode, message, createdAt, updatedAt, port, rollout);
    }
}
