package dev.era.core;

/** Where a deployment is in its lifecycle (ADR-001). Transitions live in {@code LifecycleTable}. */
public enum LifecycleState {
    VALIDATING, FETCHING, PREPARING, INSTALLING, ACTIVATING, HEALTH_CHECKING, RUNNING,
    BACKING_OFF, STOPPING, STOPPED, SUSPENDED, RESUMING, UNINSTALLING, DELETED, FAILED;

    /** States in which nothing happens until something from outside (a request, an exit) arrives. */
    public boolean settled() {
        return this == RUNNING || this == STOPPED || this == SUSPENDED || this == FAILED || this == DELETED;
    }
}
