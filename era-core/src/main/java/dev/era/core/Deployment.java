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
 */
public record Deployment(DeploymentId id, String tenant, String name, int version, AppSpec spec,
                         LifecycleState state, String pendingAction, EngineHandle handle, long pid,
                         Health health, int restarts, int lastExitCode, String message,
                         Instant createdAt, Instant updatedAt) {
    public static final EngineHandle NO_HANDLE = new EngineHandle("", new byte[0]);

    public Optional<EngineHandle> engineHandle() {
        return handle.engine().isEmpty() ? Optional.empty() : Optional.of(handle);
    }

    public Deployment withState(LifecycleState next, String action, Instant now) {
        return new Deployment(id, tenant, name, version, spec, next, action, handle, pid, health, restarts,
                lastExitCode, message, createdAt, now);
    }

    public Deployment withHandle(EngineHandle h, long newPid) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, h, newPid, health, restarts,
                lastExitCode, message, createdAt, updatedAt);
    }

    public Deployment withHealth(Health h) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, handle, pid, h, restarts,
                lastExitCode, message, createdAt, updatedAt);
    }

    public Deployment withExit(int exitCode, int restartCount, String why) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, handle, pid, health,
                restartCount, exitCode, why, createdAt, updatedAt);
    }

    public Deployment withMessage(String why) {
        return new Deployment(id, tenant, name, version, spec, state, pendingAction, handle, pid, health, restarts,
                lastExitCode, why, createdAt, updatedAt);
    }

    public Deployment withVersion(int newVersion, AppSpec newSpec) {
        return new Deployment(id, tenant, name, newVersion, newSpec, state, pendingAction, handle, pid, health,
                restarts, lastExitCode, message, createdAt, updatedAt);
    }
}
