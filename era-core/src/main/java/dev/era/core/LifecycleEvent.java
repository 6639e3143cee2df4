package dev.era.core;

/** What happens to a deployment; the input of the lifecycle table. */
public enum LifecycleEvent {
    VALIDATED, FETCHED, PREPARED, INSTALLED, ACTIVATED, HEALTHY,
    /** The work ended or failed its health checks and the restart policy allows another try. */
    CRASHED,
    /** The work ended or failed its health checks and the restart policy gives up. */
    GAVE_UP,
    /** The work exited 0 and the policy does not restart it. */
    COMPLETED,
    BACKOFF_ELAPSED,
    STOP_REQUESTED, STOPPED_OK, START_REQUESTED, DELETE_REQUESTED, UNINSTALLED,
    /** Freeze the work in place (or stop it, where the engine cannot freeze), keeping its files. */
    SUSPEND_REQUESTED, RESUME_REQUESTED, RESUMED,
    /** An engine or filesystem operation of the current phase failed. */
    OP_FAILED
}
