package dev.era.api;

import java.nio.file.Path;
import java.util.Map;

/**
 * Engines whose work keeps its files in host directories (capability {@link Capability#FILES}).
 * The core serves file operations itself, with its own path checks, on these roots.
 */
public interface FileAccess {
    /**
     * The directories of the work's filesystem that clients may read and write, by the path the
     * work sees them at, e.g. {@code /workspace -> <data>/deployments/<id>/volumes/workspace}.
     * Valid whether or not the work runs.
     */
    Map<String, Path> fileRoots(Workload workload);
}
