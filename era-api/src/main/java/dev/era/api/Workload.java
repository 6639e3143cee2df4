package dev.era.api;

import java.nio.file.Path;

/**
 * One version of one deployment as an engine sees it. The core creates the directories before
 * the engine is called.
 *
 * @param id         the deployment
 * @param version    the spec version this workload runs
 * @param spec       the spec
 * @param installDir where the engine puts this version's files; removed by {@link RuntimePlugin#delete}
 * @param volumesDir persistent directory holding one sub-directory per {@link Volume}, kept across versions
 * @param runDir     small runtime files of the engine (pid files, sockets); kept across daemon restarts
 * @param logFile    the file the engine appends the work's stdout and stderr to
 */
public record Workload(DeploymentId id, int version, AppSpec spec, Path installDir, Path volumesDir,
                       Path runDir, Path logFile) {
    public Path volume(Volume v) {
        return volumesDir.resolve(v.name());
    }
}
