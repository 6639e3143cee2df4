package dev.era.engine.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;

import java.util.Locale;

/**
 * How a run ended, as an exit code and a reason. Codes follow the shell's convention for a process
 * ended by a signal, as wasmtime does for traps: a trap is reported like SIGABRT (134), a run the
 * engine ended for its limit like SIGKILL (137), a stop like SIGTERM (143).
 */
record Outcome(int exitCode, String reason, boolean byModule) {
    static final int TRAP = 128 + 6;
    static final int KILLED = 128 + 9;
    static final int STOPPED = 128 + 15;

    /** The module ended by itself: it returned from {@code _start} or called {@code proc_exit}. */
    static Outcome exited(int code) {
        return new Outcome(code, code == 0 ? "exited" : "exited with code " + code, true);
    }

    /** The run ended for a reason outside the module's control. */
    static Outcome ended(int code, String reason) {
        return new Outcome(code, reason, false);
    }

    /** The outcome of a run that ended with {@code failure} (thrown from instantiation or {@code _start}). */
    static Outcome of(Throwable failure) {
        return switch (failure) {
            case WasiExitException e -> exited(e.exitCode());
            case ChicoryInterruptedException e -> ended(KILLED, "interrupted");
            case TrapException e -> trap(e.getMessage());
            case UnlinkableException e -> ended(TRAP, "cannot link the module: " + e.getMessage());
            case UninstantiableException e -> ended(TRAP, "cannot instantiate the module: " + e.getMessage());
            case StackOverflowError e -> trap("call stack exhausted");
            case OutOfMemoryError e -> ended(KILLED, "out of memory: the daemon's heap could not hold the module's "
                    + "memory; lower resources.memory or give the daemon more heap");
            case ChicoryException e when e.getMessage() != null && e.getMessage().startsWith("We don't yet support this WASI call")
                    -> ended(TRAP, "unsupported WASI call: " + e.getMessage().substring(e.getMessage().indexOf(':') + 1).strip()
                    + " (Chicory's WASI preview 1 lacks it)");
            case ChicoryException e when e.getCause() instanceof InterruptedException -> ended(KILLED, "interrupted");
            // Chicory reports runtime traps (divide by zero, bad conversions, stack exhaustion) as plain ChicoryExceptions
            case ChicoryException e -> trap(e.getMessage());
            default -> ended(TRAP, "engine error: " + failure);
        };
    }

    private static Outcome trap(String message) {
        String m = message == null ? "unknown" : message;
        String what = m.startsWith("Trapped on unreachable") ? "unreachable" : m.toLowerCase(Locale.ROOT);
        return ended(TRAP, "trap: " + what);
    }
}
