package dev.era.engine.process;

import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.Workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Workloads laid out under one directory, as the core does it. */
final class Workloads {
    private Workloads() {
    }

    static Workload of(Path root, AppSpec spec) {
        return of(root, DeploymentId.random(), spec);
    }

    static Workload of(Path root, DeploymentId id, AppSpec spec) {
        Workload w = new Workload(id, 1, spec, root.resolve("install"), root.resolve("volumes"), root.resolve("run"),
                root.resolve("app.log"));
        try {
            Files.createDirectories(w.installDir());
            Files.createDirectories(w.volumesDir());
            Files.createDirectories(w.runDir());
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
