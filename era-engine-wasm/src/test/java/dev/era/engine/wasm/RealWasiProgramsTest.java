package dev.era.engine.wasm;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.EngineHandle;
import dev.era.api.Workload;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WASI programs that nobody here wrote, run through the engine as deployments (where each comes
 * from: README.md of this module).
 */
class RealWasiProgramsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path data;

    // one host for the class, as in a daemon: wat2wasm is compiled once for all its tests
    private static final WasmHost HOST = new WasmHost();

    private final WasmEngine engine = new WasmEngine(HOST, WasmConfig.DEFAULT, Clock.systemUTC());
    private final List<EngineHandle> started = new ArrayList<>();

    @AfterEach
    void stopWork() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    private AppStatus.Exited run(Workload w, Duration timeout) {
        engine.validate(w.spec());
        engine.fetch(w);
        engine.install(w);
        ExitRecorder onExit = new ExitRecorder();
        started.add(engine.start(w, onExit));
        return onExit.await(timeout);
    }

    private static Path copyResource(String name, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try (InputStream in = RealWasiProgramsTest.class.getResourceAsStream(name)) {
            Files.copy(in, to);
        }
        return to;
    }

    @Test
    void wat2wasmFromMavenCentralAssemblesAModuleThatThenRunsAsADeployment() throws IOException {
        AppSpec spec = TestSpec.builder("wasm").artifact(Wat.wabtProgram("wat2wasm").toString())
                .command("wat2wasm").args("/src/hello.wat", "-o", "/src/hello.wasm").volume("src", "/src").build();
        Workload assemble = Workloads.of(data, spec);
        Path volume = assemble.volumesDir().resolve("src");
        copyResource("/wat/hello.wat", volume.resolve("hello.wat"));

        assertThat(run(assemble, TIMEOUT).exitCode()).as("wat2wasm exit; log: %s", Workloads.log(assemble)).isZero();

        Path produced = volume.resolve("hello.wasm");
        assertThat(produced).hasSameBinaryContentAs(Wat.wasm("hello"));
        Workload hello = Workloads.of(data, TestSpec.builder("wasm").artifact(produced.toString()).build());
        assertThat(run(hello, TIMEOUT).exitCode()).isZero();
        assertThat(Workloads.log(hello)).isEqualTo("hello, wasi\n");
    }

    @Test
    void wat2wasmCannotReadAFileOutsideItsVolume() throws IOException {
        Path outside = copyResource("/wat/hello.wat", data.resolve("outside").resolve("hello.wat"));
        AppSpec spec = TestSpec.builder("wasm").artifact(Wat.wabtProgram("wat2wasm").toString())
                .command("wat2wasm").args(outside.toString()).volume("src", "/src").build();
        Workload w = Workloads.of(data, spec);

        AppStatus.Exited exit = run(w, TIMEOUT);

        assertThat(exit.exitCode()).isEqualTo(1);
        assertThat(Workloads.log(w)).contains("unable to read file: " + outside);
    }

    @Test
    void wast2jsonSplitsASpecScriptIntoJsonAndModules() throws IOException {
        AppSpec spec = TestSpec.builder("wasm").artifact(Wat.wabtProgram("wast2json").toString())
                .args("/work/add.wast", "-o", "/work/add.json").volume("work", "/work").build();
        Workload w = Workloads.of(data, spec);
        Path work = w.volumesDir().resolve("work");
        copyResource("/real/add.wast", work.resolve("add.wast"));

        assertThat(run(w, TIMEOUT).exitCode()).as("wast2json exit; log: %s", Workloads.log(w)).isZero();

        assertThat(Files.readString(work.resolve("add.json")))
                .contains("\"type\": \"module\", \"line\": 2, \"filename\": \"add.0.wasm\"")
                .contains("\"type\": \"assert_return\", \"line\": 4")
                .contains("\"type\": \"assert_uninstantiable\", \"line\": 5");
        assertThat(work.resolve("add.0.wasm")).exists();
        assertThat(work.resolve("add.1.wasm")).exists();
    }

    @Test
    void yosysFromNpmReadsOptimisesAndWritesAVerilogDesign() throws IOException {
        Path yosys = NpmPackages.unpacked("@yowasp/yosys", "0.55.944").resolve("gen/yosys.core.wasm");
        AppSpec spec = TestSpec.builder("wasm").artifact(yosys.toString()).command("yosys")
                .args("-p", "read_verilog /work/counter.v; proc; opt; stat; write_verilog -noattr /work/out.v")
                .volume("work", "/work").build();
        Workload w = Workloads.of(data, spec);
        Path work = w.volumesDir().resolve("work");
        copyResource("/real/counter.v", work.resolve("counter.v"));

        // 30 MB of wasm: above the compile limit, so Chicory parses (~10 s) and interprets it
        AppStatus.Exited exit = run(w, Duration.ofSeconds(120));

        String log = Workloads.log(w);
        assertThat(exit.exitCode()).as("yosys exit; log: %s", log).isZero();
        assertThat(log).contains("Yosys 0.55", "=== counter ===", "$add", "$sdff");
        assertThat(log).containsPattern("Number of cells: +2");
        assertThat(Files.readString(work.resolve("out.v")))
                .contains("module counter(clk, rst, q);", "if (rst) q <= 4'h0;", "endmodule");
    }
}
