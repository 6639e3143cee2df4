package dev.era.engine.wasm;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.era.api.EngineException;
import dev.era.api.InvalidSpecException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Parsed and compiled modules by digest, shared by every workload of the JVM: once a module is
 * loaded, starting it again costs only the instantiation. Compiled classes are also kept on disk
 * ({@link CompiledCache}), so a restarted daemon parses the module but does not compile it again.
 *
 * <p>Modules larger than {@link WasmConfig#compileLimitBytes()} run in Chicory's interpreter: its
 * compiler needs time and memory far beyond linear in the module's size (1.5 MB compiles in about
 * a second, 30 MB took over two minutes), which would stall an install for minutes.
 */
final class ModuleCache {
    private static final Logger LOG = LoggerFactory.getLogger(ModuleCache.class);

    private final Map<String, CompletableFuture<LoadedModule>> modules = new ConcurrentHashMap<>();
    /** digest to the workloads that installed or started it; a module no workload uses is dropped from memory */
    private final Map<String, Set<String>> users = new ConcurrentHashMap<>();
    private final AtomicInteger parses = new AtomicInteger();
    private final AtomicInteger compiles = new AtomicInteger();
    private final AtomicInteger diskHits = new AtomicInteger();

    /** The loaded module of {@code workload}'s installed file, parsing, checking and compiling it on first use. */
    LoadedModule load(String workload, ModuleFiles.Installed file, Path cacheDir, WasmConfig config) {
        users.compute(file.sha256(), (k, v) -> {
            Set<String> s = v == null ? ConcurrentHashMap.newKeySet() : v;
            s.add(workload);
            return s;
        });
        CompletableFuture<LoadedModule> mine = new CompletableFuture<>();
        CompletableFuture<LoadedModule> existing = modules.putIfAbsent(file.sha256(), mine);
        if (existing != null) {
            try {
                return existing.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            LoadedModule loaded = loadNow(file, cacheDir, config);
            mine.complete(loaded);
            return loaded;
        } catch (RuntimeException | Error e) {
            modules.remove(file.sha256(), mine); // the next attempt tries again
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** {@code workload} no longer uses its module; the last user's release drops it from memory (compiled classes stay on disk). */
    void release(String workload, String sha256) {
        users.computeIfPresent(sha256, (k, v) -> {
            v.remove(workload);
            if (v.isEmpty()) {
                modules.remove(sha256);
                return null;
            }
            return v;
        });
    }

    /** How many modules are held in memory. */
    int size() {
        return modules.size();
    }

    int parses() {
        return parses.get();
    }

    int compiles() {
        return compiles.get();
    }

    int diskHits() {
        return diskHits.get();
    }

    /** An engine failure, not an OutOfMemoryError: that would reach the lifecycle's threads as an Error. */
    private static EngineException tooBig(String what, long size, WasmConfig config, OutOfMemoryError cause) {
        String need = size > 0 ? "about " + (size * WasmConfig.HEAP_PER_MODULE_BYTE >> 20) + " MiB" : "more";
        return new EngineException("module " + what + " needs " + need + " of the daemon's heap to load ("
                + (config.heapBytes() >> 20) + " MiB in all); start the daemon with a larger heap, "
                + "e.g. ERA_JAVA_OPTS=-Xmx" + Math.max(2, (size * WasmConfig.HEAP_PER_MODULE_BYTE * 2 >> 30) + 1) + "g",
                Map.of("moduleBytes", size, "heapBytes", config.heapBytes()), cause);
    }

    private LoadedModule loadNow(ModuleFiles.Installed file, Path cacheDir, WasmConfig config) {
        String what = file.file() + " (sha256 " + file.sha256().substring(0, 12) + ")";
        long size;
        WasmModule module;
        long t0 = System.nanoTime();
        try {
            size = Files.size(file.file());
            if (size * WasmConfig.HEAP_PER_MODULE_BYTE > config.heapBytes()) {
                throw tooBig(what, size, config, null);
            }
            parses.incrementAndGet();
            module = Parser.parse(file.file());
        } catch (OutOfMemoryError e) {
            throw tooBig(what, 0, config, e);
        } catch (IOException e) {
            throw new InvalidSpecException("artifact", "cannot read module " + what + ": " + e + "; reinstall the deployment");
        } catch (ChicoryException | IllegalArgumentException e) {
            throw new InvalidSpecException("artifact", "module " + what + " is not a valid WebAssembly binary: "
                    + e.getMessage() + "; check that the artifact is a .wasm file (not .wat text or a JavaScript wrapper)");
        }
        ModuleCheck.check(module, what);
        long t1 = System.nanoTime();
        Function<Instance, Machine> machine = InterpreterMachine::new;
        boolean compiled = false;
        String how = "interpreted";
        if (size <= config.compileLimitBytes()) {
            try {
                int hitsBefore = diskHits.get();
                machine = MachineFactoryCompiler.builder(module)
                        .withInterpreterFallback(InterpreterFallback.SILENT)
                        .withCache(new CompiledCache(cacheDir, diskHits))
                        .compile();
                compiled = true;
                if (diskHits.get() == hitsBefore) {
                    compiles.incrementAndGet();
                    how = "compiled";
                } else {
                    how = "loaded its compiled classes from " + cacheDir;
                }
            } catch (OutOfMemoryError e) {
                throw tooBig(what, size, config, e);
            } catch (RuntimeException | LinkageError e) {
                // Chicory's compiler is younger than its interpreter; a module it cannot compile still runs
                LOG.warn("module {}: compiling to JVM bytecode failed, it runs in the interpreter: {}", what, e.toString());
            }
        } else {
            LOG.info("module {}: {} MiB is above the compile limit of {} MiB, it runs in the interpreter", what,
                    size >> 20, config.compileLimitBytes() >> 20);
        }
        LOG.info("module {}: parsed in {} ms, {} in {} ms", what, (t1 - t0) / 1_000_000, how,
                (System.nanoTime() - t1) / 1_000_000);
        MemoryLimits limits = module.memorySection().filter(m -> m.memoryCount() > 0)
                .map(m -> m.getMemory(0).limits()).orElse(null);
        return new LoadedModule(file.sha256(), module, machine, compiled,
                limits == null ? 0 : limits.initialPages(), limits == null ? MemoryLimits.MAX_PAGES : limits.maximumPages());
    }
}
