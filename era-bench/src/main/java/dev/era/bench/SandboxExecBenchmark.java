package dev.era.bench;

import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;
import dev.era.api.Workload;
import dev.era.core.SpecCodec;
import dev.era.engine.process.ProcessEngine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The process engine's exec of {@code true} in a running sandbox, in process (no HTTP, no core):
 * {@code ProcessEngine.exec} until the exit code is known and both streams have ended. Run with
 * {@code ERA_EXEC_AGENT=off} in the environment for the old path (a fresh root applier per exec).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgs = {"-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"})
public class SandboxExecBenchmark {
    private Path dir;
    private ProcessEngine engine;
    private Workload workload;
    private EngineHandle handle;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("era-bench-exec");
        engine = new ProcessEngine();
        AppSpec spec = SpecCodec.parse("name: exec-bench\nisolation: {mode: sandbox}\n");
        workload = new Workload(DeploymentId.random(), 1, spec, dir.resolve("install"), dir.resolve("volumes"),
                dir.resolve("run"), dir.resolve("app.log"));
        for (Path p : new Path[] {workload.installDir(), workload.volumesDir(), workload.runDir()}) {
            Files.createDirectories(p);
        }
        engine.validate(spec);
        engine.install(workload);
        handle = engine.start(workload, dev.era.api.ExitListener.IGNORE);
    }

    @Benchmark
    public int execTrue() throws Exception {
        try (ExecProcess p = engine.exec(handle, ExecSpec.of("true"))) {
            p.stdin().close();
            drain(p.stdout());
            drain(p.stderr());
            int code = p.exitCode().get(10, TimeUnit.SECONDS);
            if (code != 0) {
                throw new IllegalStateException("true exited with " + code);
            }
            return code;
        }
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(java.io.OutputStream.nullOutputStream());
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        engine.stop(handle, Duration.ZERO);
        engine.delete(workload);
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
