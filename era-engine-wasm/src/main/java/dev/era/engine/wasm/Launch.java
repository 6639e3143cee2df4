package dev.era.engine.wasm;

import java.nio.file.Path;
import java.util.Map;

/**
 * Everything one run needs, resolved on the caller's thread before the run's own thread starts.
 *
 * @param module   the loaded module
 * @param spec     argv, environment and limits
 * @param preopens guest path to host directory, one per volume
 * @param logFile  where stdout and stderr are appended
 * @param label    names the run in thread names and log lines
 */
record Launch(LoadedModule module, WasmSpec spec, Map<String, Path> preopens, Path logFile, String label) {
    Launch {
        preopens = Map.copyOf(preopens);
    }
}
