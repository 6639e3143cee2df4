package dev.era.testing;

import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.Exec;
import dev.era.api.ExecSpec;
import dev.era.api.FileAccess;
import dev.era.api.Pausable;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour of engines with the {@link Capability#SANDBOX} capability, on top of
 * {@link EngineConformance}: commands exec'd inside (with and without a terminal), a
 * {@code /workspace} that persists and is served from a host directory, and pause/resume.
 *
 * <p>{@link #longRunningSpec()} must be a sandbox whose work runs until stopped and has
 * {@code /bin/sh}; the engine must implement {@link Exec}, {@link FileAccess} and {@link Pausable}.
 */
public abstract class SandboxConformance extends EngineConformance {
    private Exec exec(RuntimePlugin engine) {
        assertThat(engine).as("a sandbox engine implements Exec").isInstanceOf(Exec.class);
        return (Exec) engine;
    }

    private ExecResult run(RuntimePlugin engine, EngineHandle handle, String script) {
        return ExecResult.run(exec(engine), handle, timeout(), "/bin/sh", "-c", script);
    }

    private Path workspace(RuntimePlugin engine, Workload w) {
        assertThat(engine).as("a sandbox engine implements FileAccess").isInstanceOf(FileAccess.class);
        Map<String, Path> roots = ((FileAccess) engine).fileRoots(w);
        assertThat(roots).containsKey("/workspace");
        return roots.get("/workspace");
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file).strip() : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aSandboxEngineOffersExecTerminalsFilesAndPause() {
        assertThat(engine.capabilities()).contains(Capability.SANDBOX, Capability.EXEC, Capability.PTY, Capability.FILES);
        assertThat(engine).isInstanceOf(Exec.class).isInstanceOf(FileAccess.class).isInstanceOf(Pausable.class);
    }

    @Test
    void execRunsACommandInsideWithSeparateStreamsAndItsExitCode() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());

        ExecResult result = run(engine, handle, "echo to-out; echo to-err >&2; exit 3");

        assertThat(result).isEqualTo(new ExecResult(3, "to-out\n", "to-err\n"));
    }

    @Test
    void execFeedsStdinToTheCommand() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());

        ExecResult result = ExecResult.run(exec(engine), handle, ExecSpec.of("cat"), "line one\nline two\n", timeout());

        assertThat(result.stdout()).isEqualTo("line one\nline two\n");
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void execStartsInTheWorkspaceWithTheGivenEnvironment() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());

        ExecResult result = ExecResult.run(exec(engine), handle, new ExecSpec(List.of("/bin/sh", "-c", "pwd; echo $GREETING"),
                Map.of("GREETING", "hello"), "", false, 24, 80), "", timeout());
        ExecResult elsewhere = ExecResult.run(exec(engine), handle, new ExecSpec(List.of("pwd"), Map.of(), "/tmp", false, 24, 80),
                "", timeout());

        assertThat(result.stdout()).isEqualTo("/workspace\nhello\n");
        assertThat(elsewhere.stdout()).isEqualTo("/tmp\n");
    }

    @Test
    void aTerminalRunsAnInteractiveShell() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());

        try (Terminal term = Terminal.open(exec(engine), handle, 24, 80, "/bin/sh", "-i")) {
            term.type("echo $((6*7))\r");
            term.await("42", timeout());
            term.type("exit 4\r");
            assertThat(term.process().exitCode()).succeedsWithin(timeout()).isEqualTo(4);
        }
    }

    @Test
    void theWorkspaceIsAHostDirectoryThatOutlivesAStop() {
        Workload w = workload(longRunningSpec());
        EngineHandle first = installAndStart(engine, w, new ExitRecorder());
        assertThat(run(engine, first, "echo kept > /workspace/note").exitCode()).isZero();
        engine.stop(first, Duration.ofSeconds(2));

        assertThat(read(workspace(engine, w).resolve("note"))).isEqualTo("kept");
        EngineHandle second = installAndStart(engine, w, new ExitRecorder());
        assertThat(run(engine, second, "cat /workspace/note").stdout()).isEqualTo("kept\n");
    }

    @Test
    void aRestartedEngineExecsIntoTheRecoveredSandboxAndKeepsItsWorkspace() {
        Workload w = workload(longRunningSpec());
        EngineHandle handle = installAndStart(engine, w, new ExitRecorder());
        assertThat(run(engine, handle, "echo before > /workspace/note").exitCode()).isZero();

        RuntimePlugin restarted = restartedEngine(engine);
        Optional<EngineHandle> recovered = restarted.recover(handle, w, new ExitRecorder());

        assertThat(recovered).isPresent();
        assertThat(run(restarted, recovered.get(), "cat /workspace/note").stdout()).isEqualTo("before\n");
        restarted.stop(recovered.get(), Duration.ofSeconds(2));
        EngineHandle again = installAndStart(restarted, w, new ExitRecorder());
        assertThat(run(restarted, again, "cat /workspace/note").stdout()).isEqualTo("before\n");
    }

    @Test
    void pauseStopsTheWorkInPlaceAndResumeLetsItGoOn() {
        Workload w = workload(longRunningSpec());
        EngineHandle handle = installAndStart(engine, w, new ExitRecorder());
        Pausable pausable = (Pausable) engine;
        Path counter = workspace(engine, w).resolve("counter");
        run(engine, handle, "i=0; while :; do i=$((i+1)); echo $i > /workspace/counter.tmp; "
                + "mv /workspace/counter.tmp /workspace/counter; sleep 0.01; done >/dev/null 2>&1 &");
        awaitTrue("the counter to count", () -> !read(counter).isEmpty());

        pausable.pause(handle);
        String frozen = read(counter);
        pause(Duration.ofMillis(300));

        assertThat(read(counter)).as("the counter while paused").isEqualTo(frozen);
        assertThat(pausable.paused(handle)).isTrue();
        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Running.class);
        assertThatThrownBy(() -> exec(engine).exec(handle, ExecSpec.of("true"))).isInstanceOf(EngineException.class);

        pausable.resume(handle);

        assertThat(pausable.paused(handle)).isFalse();
        awaitTrue("the counter to go on after resume", () -> !read(counter).equals(frozen));
    }

    @Test
    void stopEndsPausedWork() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());
        ((Pausable) engine).pause(handle);

        engine.stop(handle, Duration.ofSeconds(2));

        assertThat(engine.status(handle)).isNotInstanceOf(AppStatus.Running.class);
        assertThat(((Pausable) engine).paused(handle)).isFalse();
    }

    @Test
    void execIntoStoppedWorkIsRefused() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());
        engine.stop(handle, Duration.ofSeconds(2));

        assertThatThrownBy(() -> exec(engine).exec(handle, ExecSpec.of("true"))).isInstanceOf(EngineException.class);
    }
}
