package dev.era.core;

/** What the controller does on entering a state; journaled as the pending action before it runs. */
public enum Action {
    NONE, VALIDATE, FETCH, PREPARE, INSTALL, ACTIVATE, PROBE, SCHEDULE_RESTART, STOP, CLEANUP, PAUSE, UNPAUSE,
    UNINSTALL, PURGE
}
