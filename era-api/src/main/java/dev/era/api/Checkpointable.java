package dev.era.api;

import java.util.Optional;

/**
 * Engines that can write running work's memory and processes to disk and run it again from there
 * (CRIU, through runc), advertised as {@link Capability#CHECKPOINT} where the host allows it.
 * Unlike {@link Pausable}, checkpointed work holds no memory while it waits and outlives a reboot.
 */
public interface Checkpointable {
    /** Why checkpoints cannot be made on this host (the check's own words); empty when they can. */
    Optional<String> checkpointProblem();

    /**
     * Writes the work to disk and ends it; its exit listener is not told (this is no exit). The handle
     * stays what {@link #restore} takes.
     *
     * @throws EngineException when the host cannot checkpoint (the work then runs on, untouched) or the dump failed
     */
    void checkpoint(EngineHandle handle);

    /** Whether the handle's work is on disk, waiting for {@link #restore}. */
    boolean checkpointed(EngineHandle handle);

    /** Runs checkpointed work again, memory and processes as they were; the checkpoint is used up. */
    EngineHandle restore(EngineHandle handle, Workload workload, ExitListener onExit);
}
