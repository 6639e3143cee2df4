package dev.era.testing;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviour every engine must have, run by each engine module (as Nomad's DriverHarness):
 * extend it in the engine's tests and supply the engine and two specs. A new engine instance
 * stands for a restarted daemon ({@link #restartedEngine}), so recovery is tested without
 * restarting the JVM.
 *
 * <p>Work started by a test is stopped after it, even when the test fails.
 */
public abstract class EngineConformance {
    /** The engine under test, a fresh one per test. */
    protected RuntimePlugin engine;

    @TempDir
    protected Path dir;

    private final List<Started> started = new ArrayList<>();
    private int workloads;

    private record Started(RuntimePlugin engine, EngineHandle handle) {}

    /** A new engine instance. */
    protected abstract RuntimePlugin newEngine();

    /**
     * An engine instance as after a daemon restart: it shares nothing in memory with
     * {@code previous} but must see the work that {@code previous} started. Default: {@link #newEngine()}.
     */
    protected RuntimePlugin restartedEngine(RuntimePlugin previous) {
        return newEngine();
    }

    /** A spec whose work runs until it is stopped (at least a minute). */
    protected abstract AppSpec longRunningSpec();

    /** A spec whose work ends soon on its own with {@code exitCode}. */
    protected abstract AppSpec exitingSpec(int exitCode);

    /** How long work may take to start, end or be noticed to have ended. */
    protected Duration timeout() {
        return Duration.ofSeconds(5);
    }

    /**
     * A workload with its directories created under {@code root}, as the core lays them out.
     * Override when the engine needs other paths.
     */
    protected Workload workload(AppSpec spec, Path root) {
        Workload w = new Workload(DeploymentId.random(), 1, spec, root.resolve("install"), root.resolve("volumes"),
                root.resolve("run"), root.resolve("logs").resolve("app.log"));
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

    @BeforeEach
    final void createEngine() {
        engine = newEngine();
    }

    @AfterEach
    final void stopEverything() {
        RuntimeException first = null;
        for (Started s : started.reversed()) {
            try {
                s.engine().stop(s.handle(), Duration.ZERO);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    // ---------------------------------------------------------------- helpers for subclasses

    /** A fresh workload of {@code spec} in its own directory under the test's temporary directory. */
    protected final Workload workload(AppSpec spec) {
        return workload(spec, dir.resolve("w" + (++workloads)));
    }

    /** Installs and starts; the work is stopped after the test. */
    protected final EngineHandle installAndStart(RuntimePlugin engine, Workload w, ExitRecorder onExit) {
        engine.validate(w.spec());
        engine.fetch(w);
        engine.install(w);
        EngineHandle handle = engine.start(w, onExit);
        started.add(new Started(engine, handle));
        return handle;
    }

    protected final AppStatus.Running awaitRunning(RuntimePlugin engine, EngineHandle handle) {
        awaitTrue("work to run", () -> engine.status(handle) instanceof AppStatus.Running);
        return (AppStatus.Running) engine.status(handle);
    }

    protected final void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout().toMillis() + " ms waiting for " + what);
            }
            pause(Duration.ofMillis(10));
        }
    }

    protected static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    // ---------------------------------------------------------------- behaviour

    @Test
    void engineHasANameAndCapabilities() {
        assertThat(engine.name()).isNotBlank();
        assertThat(engine.capabilities()).isNotEmpty();
    }

    @Test
    void theHarnessSpecsAreValid() {
        engine.validate(longRunningSpec());
        engine.validate(exitingSpec(3));
    }

    @Test
    void installThenStartRuns() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());

        assertThat(handle.engine()).isEqualTo(engine.name());
        awaitRunning(engine, handle);
    }

    @Test
    void installTwiceIsQuiet() {
        Workload w = workload(longRunningSpec());
        engine.install(w);
        engine.install(w);
        engine.fetch(w);
        engine.install(w);

        EngineHandle handle = engine.start(w, new ExitRecorder());
        started.add(new Started(engine, handle));
        awaitRunning(engine, handle);
    }

    @Test
    void startTwiceReturnsTheSameWork() {
        Workload w = workload(longRunningSpec());
        EngineHandle first = installAndStart(engine, w, new ExitRecorder());
        long pid = awaitRunning(engine, first).pid();

        EngineHandle second = engine.start(w, new ExitRecorder());
        started.add(new Started(engine, second));

        assertThat(second).isEqualTo(first);
        assertThat(awaitRunning(engine, second).pid()).isEqualTo(pid);
    }

    @Test
    void startAfterARestartReturnsTheRunningWork() {
        Workload w = workload(longRunningSpec());
        EngineHandle first = installAndStart(engine, w, new ExitRecorder());
        long pid = awaitRunning(engine, first).pid();

        RuntimePlugin restarted = restartedEngine(engine);
        EngineHandle again = restarted.start(w, new ExitRecorder());
        started.add(new Started(restarted, again));

        assertThat(awaitRunning(restarted, again).pid()).isEqualTo(pid);
    }

    @Test
    void stopEndsTheWork() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());
        awaitRunning(engine, handle);

        engine.stop(handle, Duration.ofSeconds(2));

        assertThat(engine.status(handle)).isNotInstanceOf(AppStatus.Running.class);
    }

    @Test
    void stopTwiceIsQuiet() {
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), new ExitRecorder());
        awaitRunning(engine, handle);

        engine.stop(handle, Duration.ofSeconds(2));
        engine.stop(handle, Duration.ofSeconds(2));

        assertThat(engine.status(handle)).isNotInstanceOf(AppStatus.Running.class);
    }

    @Test
    void stopDoesNotTellTheExitListener() {
        ExitRecorder onExit = new ExitRecorder();
        EngineHandle handle = installAndStart(engine, workload(longRunningSpec()), onExit);
        awaitRunning(engine, handle);

        engine.stop(handle, Duration.ofSeconds(2));
        pause(Duration.ofMillis(500));

        assertThat(onExit.count()).as("exit listener calls after stop").isZero();
    }

    @Test
    void exitingWorkTellsTheListenerOnceWithItsCode() {
        ExitRecorder onExit = new ExitRecorder();
        EngineHandle handle = installAndStart(engine, workload(exitingSpec(3)), onExit);

        assertThat(onExit.await(timeout()).exitCode()).isEqualTo(3);
        pause(Duration.ofMillis(500));
        assertThat(onExit.count()).as("exit listener calls").isEqualTo(1);
        AppStatus status = engine.status(handle);
        assertThat(status).isNotInstanceOf(AppStatus.Running.class);
        if (status instanceof AppStatus.Exited exited) {
            assertThat(exited.exitCode()).isEqualTo(3);
        }
    }

    @Test
    void recoverOnARestartedEngineReattachesToTheSameWork() {
        Workload w = workload(longRunningSpec());
        EngineHandle handle = installAndStart(engine, w, new ExitRecorder());
        long pid = awaitRunning(engine, handle).pid();

        RuntimePlugin restarted = restartedEngine(engine);
        Optional<EngineHandle> recovered = restarted.recover(handle, w, new ExitRecorder());

        assertThat(recovered).isPresent();
        started.add(new Started(restarted, recovered.get()));
        assertThat(awaitRunning(restarted, recovered.get()).pid()).isEqualTo(pid);
        restarted.stop(recovered.get(), Duration.ofSeconds(2));
        assertThat(restarted.status(recovered.get())).isNotInstanceOf(AppStatus.Running.class);
    }

    @Test
    void recoverOfEndedWorkIsEmpty() {
        Workload w = workload(exitingSpec(0));
        ExitRecorder onExit = new ExitRecorder();
        EngineHandle handle = installAndStart(engine, w, onExit);
        onExit.await(timeout());

        assertThat(restartedEngine(engine).recover(handle, w, new ExitRecorder())).isEmpty();
    }

    @Test
    void recoverOfStoppedWorkIsEmpty() {
        Workload w = workload(longRunningSpec());
        EngineHandle handle = installAndStart(engine, w, new ExitRecorder());
        awaitRunning(engine, handle);
        engine.stop(handle, Duration.ofSeconds(2));

        assertThat(restartedEngine(engine).recover(handle, w, new ExitRecorder())).isEmpty();
    }

    @Test
    void startAfterStopRunsAgain() {
        Workload w = workload(longRunningSpec());
        EngineHandle first = installAndStart(engine, w, new ExitRecorder());
        awaitRunning(engine, first);
        engine.stop(first, Duration.ofSeconds(2));

        EngineHandle second = engine.start(w, new ExitRecorder());
        started.add(new Started(engine, second));

        awaitRunning(engine, second);
        assertThat(engine.status(first)).isNotInstanceOf(AppStatus.Running.class);
    }

    @Test
    void deleteIsIdempotent() {
        Workload w = workload(longRunningSpec());
        EngineHandle handle = installAndStart(engine, w, new ExitRecorder());
        awaitRunning(engine, handle);
        engine.stop(handle, Duration.ofSeconds(2));

        engine.delete(w);
        engine.delete(w);
        restartedEngine(engine).delete(w);
    }
}
