package dev.era.testing;

import dev.era.api.AppSpec;
import dev.era.api.Isolation;
import dev.era.api.RuntimePlugin;

/** The fake sandbox engine is an engine like any other: it passes the harness every engine runs. */
class FakeSandboxEngineConformanceTest extends EngineConformance {
    @Override
    protected RuntimePlugin newEngine() {
        return new FakeSandboxEngine();
    }

    @Override
    protected RuntimePlugin restartedEngine(RuntimePlugin previous) {
        return ((FakeSandboxEngine) previous).restarted();
    }

    @Override
    protected AppSpec longRunningSpec() {
        return TestSpec.builder(FakeSandboxEngine.NAME).isolation(Isolation.SANDBOX).command("sleep", "600").build();
    }

    @Override
    protected AppSpec exitingSpec(int exitCode) {
        return TestSpec.builder(FakeSandboxEngine.NAME).isolation(Isolation.SANDBOX)
                .command("sh", "-c", "sleep 0.05; exit " + exitCode).build();
    }
}
