package dev.era.core;

/**
 * A sandbox's state as clients see it (RunLoop's devbox states map onto these one to one:
 * provisioning, running, suspending, suspended, resuming, failure, shutdown).
 */
public enum SandboxState { PROVISIONING, RUNNING, SUSPENDING, SUSPENDED, RESUMING, FAILED, DELETED }
