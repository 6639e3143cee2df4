package dev.era.testing;

import dev.era.api.AppSpec;
import dev.era.api.RuntimePlugin;

class FakeEngineConformanceTest extends EngineConformance {
    @Override
    protected RuntimePlugin newEngine() {
        return new FakeEngine();
    }

    @Override
    protected RuntimePlugin restartedEngine(RuntimePlugin previous) {
        return ((FakeEngine) previous).restarted();
    }

    @Override
    protected AppSpec longRunningSpec() {
        return TestSpec.builder(FakeEngine.NAME).command("run").build();
    }

    @Override
    protected AppSpec exitingSpec(int exitCode) {
        return TestSpec.builder(FakeEngine.NAME).command("exit", Integer.toString(exitCode), "50").build();
    }
}
