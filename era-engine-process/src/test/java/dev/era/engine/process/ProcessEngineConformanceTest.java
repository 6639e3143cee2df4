package dev.era.engine.process;

import dev.era.api.AppSpec;
import dev.era.api.RuntimePlugin;
import dev.era.testing.EngineConformance;
import dev.era.testing.TestSpec;

class ProcessEngineConformanceTest extends EngineConformance {
    @Override
    protected RuntimePlugin newEngine() {
        return new ProcessEngine();
    }

    @Override
    protected AppSpec longRunningSpec() {
        return TestSpec.builder("process").command("sleep", "300").build();
    }

    @Override
    protected AppSpec exitingSpec(int exitCode) {
        return TestSpec.builder("process").command("/bin/sh", "-c", "exit " + exitCode).build();
    }
}
