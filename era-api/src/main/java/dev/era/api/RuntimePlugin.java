package dev.era.api;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * An execution engine (ADR-001). Engines do execution operations only: the lifecycle controller
 * decides what happens when, journals it, and never branches on the engine.
 *
 * <p>Every operation must be idempotent, because after a crash the controller repeats the
 * operation that was in flight: {@code install} of an installed version, {@code start} of a
 * workload whose work already runs (return the existing handle, never start a second copy),
 * {@code stop} of stopped work and {@code delete} of deleted files all succeed quietly.
 *
 * <p>Abilities that only some engines have are separate small interfaces ({@code Exec},
 * {@code Files}, ...), found with {@code instanceof}. Engines are found with
 * {@link java.util.ServiceLoader}.
 */
public interface RuntimePlugin {
    /** The name specs use in {@code engine:}. */
    String name();

    Set<Capability> capabilities();

    /** Engine-specific checks of a spec; throw {@link InvalidSpecException} naming the field. */
    default void validate(AppSpec spec) {
    }

    /** Brings the artifact the spec names to this host (a download, an image pull). */
    default void fetch(Workload workload) {
    }

    /** Lays out the version's files in {@link Workload#installDir()}. */
    void install(Workload workload);

    /**
     * Starts the work, or returns the handle of the work already running for this workload.
     * {@code onExit} is told when the work ends on its own.
     */
    EngineHandle start(Workload workload, ExitListener onExit);

    /** Stops the work: a polite signal, then a forced kill after {@code grace}. */
    void stop(EngineHandle handle, Duration grace);

    /** Removes what {@link #install} laid out. */
    void delete(Workload workload);

    AppStatus status(EngineHandle handle);

    /**
     * Reattaches to work started before a daemon restart. Returns empty when the work is no
     * longer running (it must then not be mistaken for another process that reuses its id).
     */
    Optional<EngineHandle> recover(EngineHandle handle, Workload workload, ExitListener onExit);
}
