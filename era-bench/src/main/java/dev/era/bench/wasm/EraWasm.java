package dev.era.bench.wasm;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.Workload;
import dev.era.core.SpecCodec;
import dev.era.engine.wasm.WasmEngine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The wasm engine as the daemon uses it ({@link WasmEngine}'s public constructor, found by
 * ServiceLoader), with workloads laid out as the core lays them out under a data directory, and
 * the benchmarks' modules assembled from their text by wabt's wat2wasm (WASI, from the Maven
 * Central artifact {@code com.dylibso.chicory:wabt:1.0.0}) running on that engine.
 */
final class EraWasm {
    final WasmEngine engine = new WasmEngine();
    final Path data;
    private int deployments;

    EraWasm(Path data) {
        this.data = data;
    }

    /**
     * A spec as a user would write it (through the spec codec): the module, its argv, a volume
     * {@code w} at {@code /w}, and no restarts.
     */
    static AppSpec spec(String name, Path module, String... argv) {
        StringBuilder json = new StringBuilder("{\"name\": \"").append(name).append("\", \"engine\": \"wasm\", \"artifact\": ")
                .append(quote(module.toString())).append(", \"command\": [");
        for (int i = 0; i < argv.length; i++) {
            json.append(i == 0 ? "" : ", ").append(quote(argv[i]));
        }
        json.append("], \"volumes\": [{\"name\": \"w\", \"mountPath\": \"/w\"}], \"restart\": {\"policy\": \"never\"}}");
        return SpecCodec.parse(json.toString());
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A workload of {@code spec}, validated, fetched and installed (so its module is loaded and compiled). */
    Workload install(AppSpec spec) {
        DeploymentId id = new DeploymentId(String.format("d-%012x", ++deployments));
        Path base = data.resolve("deployments").resolve(id.value());
        Workload w = new Workload(id, 1, spec, base.resolve("v1"), base.resolve("volumes"), base.resolve("run"),
                base.resolve("logs").resolve("output.log"));
        try {
            for (Path dir : List.of(w.installDir(), w.volumesDir(), w.runDir(), w.logFile().getParent())) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        engine.validate(spec);
        engine.fetch(w);
        engine.install(w);
        return w;
    }

    /** Starts the workload's module and waits until it ends. */
    AppStatus.Exited run(Workload w) {
        CompletableFuture<AppStatus.Exited> exit = new CompletableFuture<>();
        engine.start(w, exit::complete);
        try {
            return exit.get(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            throw new IllegalStateException("run of " + w.id() + " did not end: " + e, e);
        }
    }

    /** wabt's {@code wat2wasm} or {@code wast2json}, copied out of the wabt jar. */
    Path wabt(String program) {
        Path out = data.resolve("modules").resolve(program + ".wasm");
        if (!Files.exists(out)) {
            try (InputStream in = EraWasm.class.getResourceAsStream("/" + program)) {
                if (in == null) {
                    throw new IllegalStateException("/" + program + " is missing: is com.dylibso.chicory:wabt on the class path?");
                }
                Files.createDirectories(out.getParent());
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** The binary of {@code <name>.wat} from this package's resources. */
    Path module(String name) {
        try (InputStream in = EraWasm.class.getResourceAsStream(name + ".wat")) {
            return assemble(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Assembles {@code wat} with wat2wasm running on the engine; returns the {@code .wasm}. */
    Path assemble(String name, String wat) {
        Workload w = install(spec("wat2wasm-" + name, wabt("wat2wasm"), "wat2wasm", "/w/" + name + ".wat", "-o", "/w/" + name + ".wasm"));
        Path dir = w.volumesDir().resolve("w");
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".wat"), wat);
            AppStatus.Exited exit = run(w);
            if (exit.exitCode() != 0) {
                throw new IllegalStateException("wat2wasm failed on " + name + ": " + exit + " " + Files.readString(w.logFile()));
            }
            Path out = data.resolve("modules").resolve(name + ".wasm");
            Files.createDirectories(out.getParent());
            return Files.copy(dir.resolve(name + ".wasm"), out, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
