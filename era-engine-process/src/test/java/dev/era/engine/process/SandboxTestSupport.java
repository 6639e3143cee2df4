package dev.era.engine.process;

import dev.era.api.EngineHandle;
import dev.era.api.Isolation;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Starts sandboxes for a test, runs commands in them, and stops them after the test. */
abstract class SandboxTestSupport {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    final ProcessEngine engine = new ProcessEngine();
    private final List<EngineHandle> started = new ArrayList<>();
    private int workloads;

    @AfterEach
    final void stopSandboxes() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    /** A sandbox spec; without a command the sandbox idles until stopped. */
    static TestSpec sandbox(String... command) {
        return TestSpec.builder("process").isolation(Isolation.SANDBOX).command(command);
    }

    Workload workload(TestSpec spec) {
        return Workloads.of(dir.resolve("w" + (++workloads)), spec.build());
    }

    EngineHandle start(Workload w) {
        return start(w, new ExitRecorder());
    }

    EngineHandle start(Workload w, ExitRecorder onExit) {
        engine.validate(w.spec());
        engine.install(w);
        EngineHandle handle = engine.start(w, onExit);
        started.add(handle);
        return handle;
    }

    /** Runs a /bin/sh script in the sandbox and waits for it. */
    ExecResult sh(EngineHandle handle, String script) {
        return ExecResult.run(engine, handle, TIMEOUT, "/bin/sh", "-c", script);
    }

    static WorkRef ref(EngineHandle handle) {
        return WorkRef.decode(handle);
    }
}
