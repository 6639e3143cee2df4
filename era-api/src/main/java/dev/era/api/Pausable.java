package dev.era.api;

/**
 * Engines that can freeze running work in place and thaw it later, memory and processes kept
 * (the cgroup freezer, or CRIU behind {@link Capability#CHECKPOINT}). A frozen process gets no
 * CPU and answers no signal until thawed.
 */
public interface Pausable {
    void pause(EngineHandle handle);

    void resume(EngineHandle handle);

    boolean paused(EngineHandle handle);
}
