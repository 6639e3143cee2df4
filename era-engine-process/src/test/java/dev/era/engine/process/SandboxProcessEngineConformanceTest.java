package dev.era.engine.process;

import dev.era.api.AppSpec;
import dev.era.api.Isolation;
import dev.era.api.RuntimePlugin;
import dev.era.testing.SandboxConformance;
import dev.era.testing.TestSpec;

/** The engine harness and the sandbox harness, with every work a bubblewrap sandbox. */
class SandboxProcessEngineConformanceTest extends SandboxConformance {
    @Override
    protected RuntimePlugin newEngine() {
        return new ProcessEngine();
    }

    /** No command: the sandbox's idle init, which runs until stopped. */
    @Override
    protected AppSpec longRunningSpec() {
        return TestSpec.builder("process").isolation(Isolation.SANDBOX).build();
    }

    @Override
    protected AppSpec exitingSpec(int exitCode) {
        return TestSpec.builder("process").command("/bin/sh", "-c", "exit " + exitCode).isolation(Isolation.SANDBOX).build();
    }
}
