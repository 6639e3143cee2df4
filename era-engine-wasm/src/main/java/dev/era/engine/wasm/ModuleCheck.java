package dev.era.engine.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import dev.era.api.InvalidSpecException;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Refuses, at install, modules that could not run: ERA runs WASI preview 1 commands, whose only
 * imports are functions of {@code wasi_snapshot_preview1} and which export {@code _start}.
 */
final class ModuleCheck {
    static final String WASI_MODULE = "wasi_snapshot_preview1";
    /** The functions Chicory's WASI provides, read from Chicory itself so that the list follows its version. */
    private static final Set<String> WASI_FUNCTIONS = wasiFunctions();

    private ModuleCheck() {
    }

    static void check(WasmModule module, String what) {
        Set<String> unknown = new TreeSet<>();
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            if (imp.importType() != ExternalType.FUNCTION || !imp.module().equals(WASI_MODULE)
                    || !WASI_FUNCTIONS.contains(imp.name())) {
                unknown.add(imp.module() + "." + imp.name() + " (" + imp.importType().name().toLowerCase(Locale.ROOT) + ")");
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidSpecException("artifact", "module " + what + " imports " + String.join(", ", unknown)
                    + ", which the wasm engine does not provide; it provides only the WASI preview 1 functions of "
                    + WASI_MODULE + " — build the module for wasm32-wasip1 (wasm32-wasi) without other host imports");
        }
        boolean start = false;
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            var export = module.exportSection().getExport(i);
            start |= export.name().equals("_start") && export.exportType() == ExternalType.FUNCTION;
        }
        if (!start) {
            throw new InvalidSpecException("artifact", "module " + what + " exports no _start function, so it is not a WASI "
                    + "command (a library or reactor module has nothing to run); build it as an executable for wasm32-wasip1");
        }
        if (module.memorySection().map(m -> m.memoryCount() > 1).orElse(false)) {
            throw new InvalidSpecException("artifact", "module " + what + " declares several memories; WASI preview 1 "
                    + "commands have one, rebuild it without the multi-memory feature");
        }
    }

    private static Set<String> wasiFunctions() {
        try (WasiPreview1 wasi = WasiPreview1.builder().withLogger(ChicoryLog.QUIET).withOptions(WasiOptions.builder().build()).build()) {
            return Arrays.stream(wasi.toHostFunctions()).map(HostFunction::name).collect(Collectors.toUnmodifiableSet());
        }
    }
}
