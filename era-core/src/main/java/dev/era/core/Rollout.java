package dev.era.core;

import dev.era.api.EngineHandle;

import java.util.Optional;

/**
 * A version being brought up beside (blue-green) or instead of (recreate) the one that serves: the
 * journal of an update or rollback in flight, stored in the deployment's row with its state, so a
 * restart finds the new version's work (to finish the cut-over or to stop it) and never loses it.
 *
 * @param version the version being brought up, 0 when no update is in flight
 * @param handle  the engine's handle of the new version's work, or {@link Deployment#NO_HANDLE}
 * @param pid     host pid of the new version's work, 0 when none
 * @param port    the new version's own port ({@code $PORT}), 0 when the spec has no public port
 * @param reason  why: "update to version 3", "rollback to version 1 requested by the user"
 */
public record Rollout(int version, EngineHandle handle, long pid, int port, String reason) {
    public static final Rollout NONE = new Rollout(0, Deployment.NO_HANDLE, 0, 0, "");

    public boolean active() {
        return version > 0;
    }

    public Optional<EngineHandle> engineHandle() {
        return handle.engine().isEmpty() ? Optional.empty() : Optional.of(handle);
    }

    public Rollout withWork(EngineHandle h, long newPid) {
        return new Rollout(version, h, newPid, port, reason);
    }

    public Rollout withPort(int newPort) {
        return new Rollout(version, handle, pid, newPort, reason);
    }
}
