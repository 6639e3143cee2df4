package dev.era.core;

/** What the controller does on entering a state; journaled as the pending action before it runs. */
public enum Action {
    NONE, VALIDATE, FETCH, PREPARE, INSTALL, ACTIVATE, PROBE, SCHEDULE_RESTART, STOP, CLEANUP, PAUSE, UNPAUSE,
    UNINSTALL, PURGE,
    /** Installs and starts the new version of an update (after stopping the old one, for recreate). */
    START_CANDIDATE,
    /** Checks the new version's health within the update's deadline. */
    VERIFY_CANDIDATE,
    /** Moves traffic to the new version, then stops and removes the old one. */
    CUT_OVER,
    /** Stops and removes the new version of a failed update. */
    DISCARD_CANDIDATE
}
