package dev.era.engine.wasm;

import java.time.Duration;

/**
 * The engine's own settings, fixed when it is made.
 *
 * @param compileLimitBytes      modules up to this size are compiled to JVM bytecode; larger ones are interpreted
 * @param defaultMaxMemoryBytes  a module's memory limit when the spec sets none: module memory lives on the
 *                               daemon's heap, so "no limit" would let one module exhaust it for every other
 * @param killWait               how long a run the engine ends (stop after the grace, time limit) has to reach a
 *                               safe point before its thread is abandoned
 * @param threadStackBytes       stack of each run's thread; compiled modules recurse on the JVM stack
 */
record WasmConfig(long compileLimitBytes, long defaultMaxMemoryBytes, Duration killWait, long threadStackBytes) {
    static final WasmConfig DEFAULT = new WasmConfig(16L << 20, 1L << 30, Duration.ofSeconds(2), 16L << 20);

    WasmConfig withCompileLimit(long bytes) {
        return new WasmConfig(bytes, defaultMaxMemoryBytes, killWait, threadStackBytes);
    }
}
