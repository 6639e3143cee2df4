package dev.era.engine.wasm;

import java.time.Duration;

/**
 * The engine's own settings, fixed when it is made.
 *
 * @param compileLimitBytes     modules up to this size are compiled to JVM bytecode; larger ones are interpreted
 * @param heapBytes             the daemon's heap, which loaded modules and their memories share
 * @param defaultMaxMemoryBytes a module's memory limit when the spec sets none: module memory lives on the
 *                              daemon's heap, so "no limit" would let one module exhaust it for every other
 * @param killWait              how long a run the engine ends (stop after the grace, time limit) has to reach a
 *                              safe point before its thread is abandoned
 * @param threadStackBytes      stack of each run's thread; compiled modules recurse on the JVM stack
 */
record WasmConfig(long compileLimitBytes, long heapBytes, long defaultMaxMemoryBytes, Duration killWait,
                  long threadStackBytes) {
    /**
     * Chicory holds a parsed module as one object per instruction: loading yosys (31 MB of wasm)
     * failed in a 1 GiB heap and passed in 2 GiB. A module needs about this many times its size.
     */
    static final int HEAP_PER_MODULE_BYTE = 50;

    /** Compile up to 16 MiB; a module's memory may take a quarter of the heap, between 16 MiB and 1 GiB. */
    static final WasmConfig DEFAULT = forHeap(Runtime.getRuntime().maxMemory());

    static WasmConfig forHeap(long heapBytes) {
        long quarter = Math.clamp(heapBytes / 4, 16L << 20, 1L << 30);
        return new WasmConfig(16L << 20, heapBytes, quarter - quarter % WasmSpec.PAGE, Duration.ofSeconds(2), 16L << 20);
    }

    WasmConfig withCompileLimit(long bytes) {
        return new WasmConfig(bytes, heapBytes, defaultMaxMemoryBytes, killWait, threadStackBytes);
    }
}
