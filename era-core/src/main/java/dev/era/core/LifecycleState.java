package dev.era.core;

/** Where a deployment is in its lifecycle (ADR-001). Transitions live in {@code LifecycleTable}. */
public enum LifecycleState {
    VALIDATING, FETCHING, PREPARING, INSTALLING, ACTIVATING, HEALTH_CHECKING, RUNNING,
    BACKING_OFF, STOPPING, STOPPED, SUSPENDED, RESUMING, UNINSTALLING, DELETED, FAILED,
    /** An update or rollback brings up the new version (blue-green: beside the old one, which keeps serving). */
    UPDATING,
    /** The new version runs; its health is being checked against the update's healthyDeadline and minHealthyTime. */
    VERIFYING,
    /** The new version passed: traffic moves to it and the old version is stopped. */
    CUTTING_OVER,
    /** The new version failed: it is stopped and removed; the old version serves (or is started again). */
    ROLLING_BACK;

    /** States in which nothing happens until something from outside (a request, an exit) arrives. */
    public boolean settled() {
        return this == RUNNING || this == STOPPED || this == SUSPENDED || this == FAILED || this == DELETED;
    }
}
