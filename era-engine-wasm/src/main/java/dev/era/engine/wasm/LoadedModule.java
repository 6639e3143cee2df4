package dev.era.engine.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;

import java.util.function.Function;

/**
 * A parsed, checked module ready to be instantiated any number of times, on any thread.
 *
 * @param sha256      digest of the module's bytes (lower-case hex)
 * @param module      the parsed module; Chicory's compiled machine only accepts instances of this very object
 * @param machine     makes the machine that executes an instance: compiled JVM bytecode, or Chicory's interpreter
 * @param compiled    whether {@code machine} runs compiled code
 * @param minPages    the module's declared minimum memory, in 64 KiB pages (0 without memory)
 * @param maxPages    the module's declared maximum memory, in pages (65536 when it declares none)
 */
record LoadedModule(String sha256, WasmModule module, Function<Instance, Machine> machine, boolean compiled,
                    int minPages, int maxPages) {}
