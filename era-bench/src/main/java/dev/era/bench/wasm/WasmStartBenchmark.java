package dev.era.bench.wasm;

import dev.era.api.AppStatus;
import dev.era.api.Workload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Start of a hello-world WASI module whose compiled classes are cached (installed once, outside the
 * measurement): {@code WasmEngine.start} until the exit listener hears the module's return, i.e. a
 * new platform thread, the log file opened, WASI set up, instantiation (memory, data segment),
 * {@code _start} writing "hello, wasi" to the log, and the exit reported. Target: 5 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-XX:+UseSerialGC", "-Xmx512m"})
public class WasmStartBenchmark {
    private EraWasm era;
    private Workload hello;

    @Setup
    public void install() throws Exception {
        era = new EraWasm(Files.createTempDirectory("era-bench-wasm"));
        Path module = era.module("hello");
        hello = era.install(EraWasm.spec("hello", module));
        if (era.run(hello).exitCode() != 0) {
            throw new IllegalStateException("hello did not exit 0");
        }
    }

    @Benchmark
    public AppStatus.Exited startHelloFromTheCache() {
        return era.run(hello);
    }
}
