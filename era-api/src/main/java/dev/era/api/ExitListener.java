package dev.era.api;

/**
 * Told by an engine, from any thread, when work it started or reattached to ends on its own.
 * Engines call it at most once per start.
 */
@FunctionalInterface
public interface ExitListener {
    void exited(AppStatus.Exited exit);

    ExitListener IGNORE = exit -> { };
}
