package dev.era.api;

import java.time.Instant;

/** What an engine observes of a deployment's running work. */
public sealed interface AppStatus {
    /**
     * The work runs.
     *
     * @param pid host process id of the work's root process, or 0 where the work is not a host process
     */
    record Running(long pid, Instant startedAt) implements AppStatus {}

    /**
     * The work ended.
     *
     * @param exitCode the exit code; 128 + n when killed by signal n
     * @param reason   a short human explanation ("exited", "killed by SIGKILL", "out of memory")
     */
    record Exited(int exitCode, String reason, Instant at) implements AppStatus {}

    /** The engine cannot find the work (never started, or lost with its host). */
    record Gone(String reason) implements AppStatus {}
}
