package dev.era.engine.wasm;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.EngineHandle;
import dev.era.api.InvalidSpecException;
import dev.era.api.Resources;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WasmEngineTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path data;

    private final WasmHost host = new WasmHost();
    private final WasmEngine engine = new WasmEngine(host, WasmConfig.DEFAULT, Clock.systemUTC());
    private final List<EngineHandle> started = new ArrayList<>();

    @AfterEach
    void stopWork() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    private static TestSpec spec(String module) {
        return TestSpec.builder("wasm").artifact(Wat.wasm(module).toString());
    }

    private EngineHandle start(Workload w, ExitRecorder onExit) {
        engine.validate(w.spec());
        engine.fetch(w);
        engine.install(w);
        EngineHandle handle = engine.start(w, onExit);
        started.add(handle);
        return handle;
    }

    private AppStatus.Exited run(Workload w) {
        ExitRecorder onExit = new ExitRecorder();
        start(w, onExit);
        return onExit.await(TIMEOUT);
    }

    @Test
    void isFoundThroughServiceLoader() {
        assertThat(ServiceLoader.load(RuntimePlugin.class).stream().map(ServiceLoader.Provider::type))
                .contains(WasmEngine.class);
    }

    @Test
    void stdoutIsAppendedToTheLogRunAfterRun() {
        Workload w = Workloads.of(data, spec("hello").build());

        assertThat(run(w)).extracting(AppStatus.Exited::exitCode, AppStatus.Exited::reason).containsExactly(0, "exited");
        ExitRecorder second = new ExitRecorder();
        engine.start(w, second);
        second.await(TIMEOUT);

        assertThat(Workloads.log(w)).isEqualTo("hello, wasi\nhello, wasi\n");
    }

    @Test
    void argvIsTheModuleNameAndArgsWhenTheCommandIsEmpty() {
        Workload w = Workloads.of(data, spec("args").args("one", "two words").build());

        run(w);

        assertThat(Workloads.log(w)).isEqualTo("args.wasm\none\ntwo words\n");
    }

    @Test
    void argvIsCommandThenArgsAndTheEnvironmentIsExactlyTheSpecs() {
        Workload w = Workloads.of(data, spec("args").command("tool", "--flag").args("x").env("GREETING", "hi there").build());

        run(w);

        // nothing of the daemon's own environment (PATH, HOME, ...) reaches the module
        assertThat(Workloads.log(w)).isEqualTo("tool\n--flag\nx\nGREETING=hi there\n");
    }

    @Test
    void aTrapEndsTheRunWithItsReason() {
        Workload w = Workloads.of(data, spec("trap").build());

        AppStatus.Exited exit = run(w);

        assertThat(exit.exitCode()).isEqualTo(134);
        assertThat(exit.reason()).isEqualTo("trap: unreachable");
        assertThat(Workloads.log(w)).contains("[era wasm] trap: unreachable (exit 134)");
    }

    @Test
    void aRunawayLoopIsEndedByTheTimeLimitAndTheStatusSaysSo() {
        Workload w = Workloads.of(data, spec("spin").env(WasmSpec.TIME_LIMIT_ENV, "300ms").build());
        long t0 = System.nanoTime();

        ExitRecorder onExit = new ExitRecorder();
        EngineHandle handle = start(w, onExit);
        AppStatus.Exited exit = onExit.await(TIMEOUT);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.reason()).isEqualTo("out of time: ran longer than the ERA_WASM_TIMEOUT limit of 300 ms");
        assertThat(engine.status(handle)).isEqualTo(exit);
        assertThat(Workloads.log(w)).contains("[era wasm] out of time");
    }

    @Test
    void aModuleThatEndsBeforeItsTimeLimitKeepsItsOwnExit() {
        Workload w = Workloads.of(data, spec("exit").args("7").env(WasmSpec.TIME_LIMIT_ENV, "30s").build());

        assertThat(run(w).exitCode()).isEqualTo(7);
    }

    @Test
    void stopEndsARunawayLoopAtOnceWithoutTellingTheListener() {
        ExitRecorder onExit = new ExitRecorder();
        EngineHandle handle = start(Workloads.of(data, spec("spin").build()), onExit);
        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Running.class);

        long t0 = System.nanoTime();
        engine.stop(handle, Duration.ofSeconds(30));

        // far less than the grace: the loop's back-edge is a safe point (a loaded CI machine may take a while)
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(engine.status(handle)).isInstanceOfSatisfying(AppStatus.Exited.class, e -> {
            assertThat(e.exitCode()).isEqualTo(143);
            assertThat(e.reason()).isEqualTo("stopped");
        });
        assertThat(onExit.count()).isZero();
    }

    @Test
    void stopWakesAModuleThatSleepsInPollOneoff() {
        Workload w = Workloads.of(data, spec("sleep").build());
        EngineHandle handle = start(w, new ExitRecorder());
        awaitLog(w, "started\n");

        long t0 = System.nanoTime();
        engine.stop(handle, Duration.ofSeconds(30));

        // far less than the grace, and less than the one-second sleep: the wait was interrupted
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(900));
        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Exited.class);
    }

    @Test
    void resourcesMemoryCapsHowFarTheModuleCanGrow() {
        Workload limited = Workloads.of(data, spec("grow").resources(new Resources(0, 4L << 20, 0)).build());
        Workload unlimited = Workloads.of(data, spec("grow").build());

        // 4 MiB is 64 pages; the module stops by itself at 255
        assertThat(run(limited).exitCode()).isEqualTo(64);
        assertThat(run(unlimited).exitCode()).isEqualTo(255);
    }

    @Test
    void aModuleWhoseMinimumMemoryExceedsTheLimitIsRefusedAtInstall() {
        Workload w = Workloads.of(data, spec("bigmem").resources(new Resources(0, 4L << 20, 0)).build());

        assertThatThrownBy(() -> engine.install(w)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
            assertThat(e.field()).isEqualTo("resources.memory");
            assertThat(e.getMessage()).contains("100 pages", "raise resources.memory to at least 6400 KiB");
        });
    }

    @Test
    void aModuleCannotOpenAFileOutsideItsPreopenedVolume() throws IOException {
        AppSpec spec = spec("escape").volume("data", "/data").build();
        Workload w = Workloads.of(data, spec);
        // the file the module asks for, "../outside.txt" seen from the volume, really is there on the host
        Files.writeString(w.volumesDir().resolve("outside.txt"), "secret");

        // 63 is WASI's EPERM: Chicory refuses any path that leaves the preopened directory
        assertThat(run(w).exitCode()).isEqualTo(63);
    }

    @Test
    void aModuleWithoutVolumesHasNoDirectoryAtAll() {
        // 8 is WASI's EBADF: descriptor 3, where the first preopened directory would be, does not exist
        assertThat(run(Workloads.of(data, spec("escape").build())).exitCode()).isEqualTo(8);
    }

    @Test
    void modulesThatImportMoreThanWasiAreRefusedAtInstall() {
        Workload w = Workloads.of(data, spec("env-import").build());

        assertThatThrownBy(() -> engine.install(w)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
            assertThat(e.field()).isEqualTo("artifact");
            assertThat(e.getMessage()).contains("imports env.now (function)", "wasm32-wasip1");
        });
    }

    @Test
    void aReactorWithoutStartIsRefusedAtInstall() {
        Workload w = Workloads.of(data, spec("reactor").build());

        assertThatThrownBy(() -> engine.install(w)).isInstanceOf(InvalidSpecException.class).hasMessageContaining("no _start");
    }

    @Test
    void aFileThatIsNotWebAssemblyIsRefusedAtInstall() throws IOException {
        Path text = Files.writeString(data.resolve("hello.wat"), "(module)");
        Workload w = Workloads.of(data, TestSpec.builder("wasm").artifact(text.toString()).build());

        assertThatThrownBy(() -> engine.install(w)).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("is not a valid WebAssembly binary");
    }

    @Test
    void specsTheEngineCannotHonourAreInvalid() {
        String hello = Wat.wasm("hello").toString();
        assertInvalid(TestSpec.builder("wasm").build(), "artifact", "is empty");
        assertInvalid(TestSpec.builder("wasm").artifact("hello.wasm").build(), "artifact", "neither an absolute path");
        assertInvalid(TestSpec.builder("wasm").artifact("oci://ghcr.io/acme/tool:1").build(), "artifact", "OCI");
        assertInvalid(spec("hello").workingDir("/tmp").build(), "workingDir", "no working directory");
        assertInvalid(spec("hello").resources(new Resources(1, 0, 0)).build(), "resources.cpu", "cannot limit CPU");
        assertInvalid(TestSpec.builder("wasm").artifact(hello).volume("a", "data").build(), "volumes", "absolute guest path");
        assertInvalid(spec("hello").env(WasmSpec.TIME_LIMIT_ENV, "soon").build(), "env.ERA_WASM_TIMEOUT", "500ms, 30s");
        assertInvalid(spec("hello").health(new dev.era.api.HealthCheck(new dev.era.api.Probe.Http(8080, "/"), Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 3, Duration.ofSeconds(60))).build(), "health.probe", "cannot listen");

        engine.validate(spec("hello").env(WasmSpec.TIME_LIMIT_ENV, "PT1M").volume("a", "/data").build());
        engine.validate(TestSpec.builder("wasm").artifact("https://example.com/tool.wasm").build());
        engine.validate(TestSpec.builder("wasm").artifact(Wat.wasm("hello").toUri().toString()).build());
    }

    private void assertInvalid(AppSpec spec, String field, String message) {
        assertThatThrownBy(() -> engine.validate(spec)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void aSecondStartNeitherParsesNorCompilesAgain() {
        Workload first = Workloads.of(data, spec("hello").build());
        Workload other = Workloads.of(data, spec("hello").build());

        run(first);
        run(first);
        run(other);

        assertThat(host.modules().parses()).isEqualTo(1);
        assertThat(host.modules().compiles()).isEqualTo(1);
    }

    @Test
    void aRestartedDaemonLoadsTheCompiledClassesFromDisk() throws IOException {
        Workload w = Workloads.of(data, spec("hello").build());
        run(w);
        String hex = java.util.HexFormat.of().formatHex(ModuleFiles.sha256().digest(Files.readAllBytes(Wat.wasm("hello"))));
        assertThat(data.resolve("cache/wasm/compiled-chicory-" + com.dylibso.chicory.wasm.Version.version())
                .resolve("sha256-" + hex + ".jar")).isNotEmptyFile();

        WasmHost restarted = new WasmHost();
        WasmEngine again = new WasmEngine(restarted, WasmConfig.DEFAULT, Clock.systemUTC());
        again.install(w);

        assertThat(restarted.modules().compiles()).isZero();
        assertThat(restarted.modules().diskHits()).isEqualTo(1);
    }

    @Test
    void modulesAboveTheCompileLimitRunInTheInterpreter() {
        WasmHost small = new WasmHost();
        WasmEngine interpreting = new WasmEngine(small, WasmConfig.DEFAULT.withCompileLimit(16), Clock.systemUTC());
        Workload w = Workloads.of(data, spec("hello").build());
        interpreting.install(w);
        ExitRecorder onExit = new ExitRecorder();

        interpreting.start(w, onExit);

        assertThat(onExit.await(TIMEOUT).exitCode()).isZero();
        assertThat(small.modules().compiles()).isZero();
        assertThat(Workloads.log(w)).isEqualTo("hello, wasi\n");
    }

    @Test
    void aModuleTooLargeForTheDaemonsHeapIsRefusedWithWhatToDo() {
        WasmEngine small = new WasmEngine(new WasmHost(), WasmConfig.forHeap(8L << 20), Clock.systemUTC());
        Workload w = Workloads.of(data, TestSpec.builder("wasm").artifact(Wat.wabtProgram("wat2wasm").toString()).build());

        assertThatThrownBy(() -> small.install(w)).isInstanceOf(dev.era.api.EngineException.class)
                .hasMessageContaining("needs about 70 MiB of the daemon's heap to load (8 MiB in all)")
                .hasMessageContaining("ERA_JAVA_OPTS=-Xmx");
    }

    @Test
    void recoverAfterADaemonRestartIsEmptyAndTheOldHandleIsGone() {
        Workload w = Workloads.of(data, spec("sleep").build());
        EngineHandle handle = start(w, new ExitRecorder());

        WasmEngine restarted = new WasmEngine(new WasmHost(), WasmConfig.DEFAULT, Clock.systemUTC());

        assertThat(restarted.recover(handle, w, new ExitRecorder())).isEmpty();
        assertThat(restarted.status(handle)).isInstanceOf(AppStatus.Gone.class);
    }

    @Test
    void manyInstancesRunSideBySideInOneJvm() {
        List<Workload> workloads = new ArrayList<>();
        List<EngineHandle> handles = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Workload w = Workloads.of(data, spec("sleep").build());
            workloads.add(w);
            handles.add(start(w, new ExitRecorder()));
        }
        workloads.forEach(w -> awaitLog(w, "started\n"));

        assertThat(handles).allSatisfy(h -> assertThat(engine.status(h)).isInstanceOf(AppStatus.Running.class));
        assertThat(host.modules().size()).isEqualTo(1);
        handles.forEach(h -> engine.stop(h, Duration.ofSeconds(1)));
        assertThat(handles).allSatisfy(h -> assertThat(engine.status(h)).isInstanceOf(AppStatus.Exited.class));
    }

    @Test
    void anHttpArtifactIsDownloadedOnceIntoTheDigestAddressedCache() throws IOException {
        byte[] module = Files.readAllBytes(Wat.wasm("hello"));
        try (ModuleServer server = ModuleServer.serving("/tools/hello.wasm", module)) {
            AppSpec spec = TestSpec.builder("wasm").artifact(server.url("/tools/hello.wasm")).build();
            Workload first = Workloads.of(data, spec);
            Workload second = Workloads.of(data, spec);

            run(first);
            run(second);

            assertThat(Workloads.log(first)).isEqualTo("hello, wasi\n");
            assertThat(Workloads.log(second)).isEqualTo("hello, wasi\n");
            String hex = java.util.HexFormat.of().formatHex(ModuleFiles.sha256().digest(module));
            try (var cached = Files.list(data.resolve("cache/wasm/modules"))) {
                assertThat(cached.map(p -> p.getFileName().toString())).containsExactly("sha256-" + hex + ".wasm");
            }
            assertThat(first.installDir().resolve("module.wasm")).hasBinaryContent(module);
            assertThat(server.requests()).isEqualTo(2); // each version fetches, the cache stores the bytes once
        }
    }

    @Test
    void aMissingHttpArtifactFailsTheFetchWithItsStatus() throws IOException {
        try (ModuleServer server = ModuleServer.serving("/hello.wasm", new byte[0])) {
            Workload w = Workloads.of(data, TestSpec.builder("wasm").artifact(server.url("/nothing.wasm")).build());

            assertThatThrownBy(() -> engine.fetch(w)).isInstanceOf(dev.era.api.EngineException.class)
                    .hasMessageContaining("answered HTTP 404");
        }
    }

    @Test
    void installKeepsItsOwnCopySoTheSourceMayChange() throws IOException {
        Path source = Files.copy(Wat.wasm("hello"), data.resolve("tool.wasm"));
        Workload w = Workloads.of(data, TestSpec.builder("wasm").artifact(source.toString()).build());
        engine.install(w);
        Files.copy(Wat.wasm("trap"), source, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(run(w).exitCode()).isZero();
    }

    @Test
    void deleteRemovesTheInstallAndIsQuietWhenRepeated() {
        Workload w = Workloads.of(data, spec("sleep").build());
        EngineHandle handle = start(w, new ExitRecorder());

        engine.delete(w);
        engine.delete(w);

        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Gone.class);
        assertThat(w.installDir()).doesNotExist();
        assertThat(host.modules().size()).isZero();
    }

    private static void awaitLog(Workload w, String text) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Workloads.log(w).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("log of " + w.id() + " never showed '" + text + "': " + Workloads.log(w));
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
