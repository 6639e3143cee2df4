package dev.era.api;

/**
 * Engines that can run further commands inside running work (capability {@link Capability#EXEC},
 * and {@link Capability#PTY} when {@link ExecSpec#tty()} is supported). Commands get the work's
 * isolation: namespaces, cgroup limits, user and seccomp filter.
 */
public interface Exec {
    /**
     * @throws EngineException when the work does not run (stopped, paused) or the command cannot start
     */
    ExecProcess exec(EngineHandle handle, ExecSpec spec);
}
