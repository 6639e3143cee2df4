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
    /** A new version of the spec (or an older one, for a rollback) should run. */
    UPDATE_REQUESTED,
    /** The new version's work started. */
    CANDIDATE_STARTED,
    /** The new version passed its health checks and stayed healthy for minHealthyTime, within healthyDeadline. */
    CANDIDATE_HEALTHY,
    /** The new version exited, failed its health checks or missed healthyDeadline. */
    CANDIDATE_FAILED,
    /** Traffic moved to the new version and the old one is stopped. */
    CUT_OVER_DONE,
    /** The new version is gone and the old one still serves. */
    ROLLED_BACK,
    /** The new version is gone and the old one was stopped (recreate): start it again. */
    RESTORE,
    /** An engine or filesystem operation of the current phase failed. */
    OP_FAILED
}
