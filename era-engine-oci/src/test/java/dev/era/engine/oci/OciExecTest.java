package dev.era.engine.oci;

import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.ExecSpec;
import dev.era.api.Isolation;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import dev.era.testing.Terminal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Commands exec'd into a running sandbox container, its /workspace, and pause/resume. */
class OciExecTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    @TempDir
    static Path shared;
    @TempDir
    Path dir;
    static TestRegistry registry;
    static String image;
    OciEngine engine;
    Workload w;
    EngineHandle handle;

    @BeforeAll
    static void pushImage() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        image = TestImages.pushTwoLayers(registry, shared, "busybox:1", List.of("sh"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    @BeforeEach
    void startSandbox() {
        engine = OciEngineConformanceTest.engine(shared);
        w = new Workload(DeploymentId.random(), 1, TestSpec.builder("oci").artifact(image).isolation(Isolation.SANDBOX)
                .command("sleep", "300").build(), dir.resolve("install"), dir.resolve("volumes"), dir.resolve("run"),
                dir.resolve("logs/app.log"));
        engine.fetch(w);
        engine.install(w);
        handle = engine.start(w, new ExitRecorder());
    }

    @AfterEach
    void stopSandbox() {
        engine.stop(handle, Duration.ZERO);
    }

    private ExecResult sh(String script) {
        return ExecResult.run(engine, handle, TIMEOUT, "/bin/sh", "-c", script);
    }

    @Test
    void execRunsInsideWithSeparateStreamsAndTheExitCode() {
        assertThat(sh("echo to-out; echo to-err >&2; exit 3")).isEqualTo(new ExecResult(3, "to-out\n", "to-err\n"));
    }

    @Test
    void execFeedsStdinAndStartsInTheWorkspaceWithTheGivenEnvironment() {
        ExecResult cat = ExecResult.run(engine, handle, ExecSpec.of("cat"), "line one\nline two\n", TIMEOUT);
        ExecResult env = ExecResult.run(engine, handle, new ExecSpec(List.of("/bin/sh", "-c", "pwd; echo $GREETING"),
                Map.of("GREETING", "hello"), "", false, 24, 80), "", TIMEOUT);
        ExecResult elsewhere = ExecResult.run(engine, handle, new ExecSpec(List.of("pwd"), Map.of(), "/tmp", false, 24, 80), "", TIMEOUT);

        assertThat(cat).isEqualTo(new ExecResult(0, "line one\nline two\n", ""));
        assertThat(env.stdout()).isEqualTo("/workspace\nhello\n");
        assertThat(elsewhere.stdout()).isEqualTo("/tmp\n");
    }

    @Test
    void aTerminalRunsAnInteractiveShellThatTakesCtrlCAndResizes() {
        try (Terminal term = Terminal.open(engine, handle, 24, 80, "/bin/sh", "-i")) {
            term.type("tty; stty size\r");
            term.await("/dev/pts/", TIMEOUT);
            term.await("24 80", TIMEOUT);
            term.type("sleep 100\r");
            pause(Duration.ofMillis(300));
            term.type("\u0003"); // Ctrl-C reaches the foreground job only through a controlling terminal
            term.type("echo $((6*7))\r");
            term.await("42", TIMEOUT);
            term.process().resize(30, 100);
            term.type("stty size\r");
            term.await("30 100", TIMEOUT);
            term.type("exit 4\r");
            assertThat(term.process().exitCode()).succeedsWithin(TIMEOUT).isEqualTo(4);
        }
    }

    @Test
    void aTerminalHasItsSizeBeforeTheCommandRuns() {
        for (int i = 0; i < 5; i++) { // without the size at creation, runc sized the pty after the start: a race
            try (Terminal term = Terminal.open(engine, handle, 33, 101 + i, "/bin/sh", "-c", "stty size")) {
                assertThat(term.await("33 " + (101 + i), TIMEOUT)).doesNotContain("0 0");
                assertThat(term.process().exitCode()).succeedsWithin(TIMEOUT).isEqualTo(0);
            }
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void theWorkspaceIsAHostDirectoryThatOutlivesAStop() {
        assertThat(sh("echo kept > /workspace/note").exitCode()).isZero();
        engine.stop(handle, Duration.ZERO);

        assertThat(engine.fileRoots(w).get("/workspace").resolve("note")).hasContent("kept");
        handle = engine.start(w, new ExitRecorder());
        assertThat(sh("cat /workspace/note").stdout()).isEqualTo("kept\n");
    }

    @Test
    void pauseFreezesTheContainerAndRefusesExecUntilResumed() {
        engine.pause(handle);

        assertThat(engine.paused(handle)).isTrue();
        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Running.class);
        assertThatThrownBy(() -> engine.exec(handle, ExecSpec.of("true"))).isInstanceOf(EngineException.class)
                .hasMessageContaining("paused");

        engine.resume(handle);
        assertThat(engine.paused(handle)).isFalse();
        assertThat(sh("echo awake").stdout()).isEqualTo("awake\n");
    }

    @Test
    void execIntoAStoppedContainerIsRefused() {
        engine.stop(handle, Duration.ZERO);

        assertThatThrownBy(() -> engine.exec(handle, ExecSpec.of("true"))).isInstanceOf(EngineException.class)
                .hasMessageContaining("start it");
    }
}
