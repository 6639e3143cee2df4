package dev.era.engine.wasm;

import dev.era.api.AppSpec;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;
import dev.era.testing.EngineConformance;
import dev.era.testing.TestSpec;

import java.nio.file.Path;
import java.time.Clock;

/**
 * The harness's "restarted engine" is a new engine object over the same {@link WasmHost}: WASM work
 * lives in the daemon's JVM, so only an engine of the same JVM can see it. A restart of the JVM
 * itself, after which nothing can be recovered, is {@code WasmEngineTest#recoverAfterADaemonRestartIsEmpty}.
 */
class WasmEngineConformanceTest extends EngineConformance {
    private static final WasmHost HOST = new WasmHost();

    @Override
    protected RuntimePlugin newEngine() {
        return new WasmEngine(HOST, WasmConfig.DEFAULT, Clock.systemUTC());
    }

    @Override
    protected AppSpec longRunningSpec() {
        return TestSpec.builder("wasm").artifact(Wat.wasm("sleep").toString()).build();
    }

    @Override
    protected AppSpec exitingSpec(int exitCode) {
        return TestSpec.builder("wasm").artifact(Wat.wasm("exit").toString()).args(Integer.toString(exitCode)).build();
    }

    @Override
    protected Workload workload(AppSpec spec, Path root) {
        return Workloads.of(root, spec);
    }
}
