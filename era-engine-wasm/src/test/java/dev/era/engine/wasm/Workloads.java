package dev.era.engine.wasm;

import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.Workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Workloads laid out as the core lays them out under a data directory, so the engine finds {@code <data>/cache/wasm}. */
final class Workloads {
    private Workloads() {
    }

    static Workload of(Path data, AppSpec spec) {
        return of(data, DeploymentId.random(), 1, spec);
    }

    static Workload of(Path data, DeploymentId id, int version, AppSpec spec) {
        Path base = data.resolve("deployments").resolve(id.value());
        Workload w = new Workload(id, version, spec, base.resolve("v" + version), base.resolve("volumes"), base.resolve("run"),
                base.resolve("logs").resolve("output.log"));
        try {
            Files.createDirectories(w.installDir());
            Files.createDirectories(w.volumesDir());
            Files.createDirectories(w.runDir());
            Files.createDirectories(w.logFile().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w;
    }

    static String log(Workload w) {
        try {
            return Files.exists(w.logFile()) ? Files.readString(w.logFile()) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
