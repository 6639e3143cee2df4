package dev.era.engine.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.HostFunction;

import java.util.Arrays;
import java.util.Set;

/**
 * Ends a run cleanly: at a safe point, never halfway through a WASI call that does I/O.
 *
 * <p>Chicory stops a module at its next call or loop back-edge once the thread is interrupted
 * (both its interpreter and its compiler check the interrupt flag there). But an interrupt that
 * lands inside a host call would close the file channel under a half-done write. So while the
 * module is inside a WASI call that does I/O, an end request only raises a flag, which is checked
 * when the call returns; a call that merely waits ({@code poll_oneoff}) is interrupted at once.
 * A forced end ({@link #force}) interrupts whatever the thread is doing.
 */
final class SafePoints {
    /** WASI calls that wait rather than do I/O: interrupting them loses nothing. */
    private static final Set<String> WAITS = Set.of("poll_oneoff", "sched_yield");

    private boolean ending; // guarded by this
    private boolean inCall; // guarded by this
    private boolean waiting; // guarded by this

    /** WASI's functions, each checking for a requested end before and after it runs. */
    HostFunction[] guard(HostFunction[] functions) {
        return Arrays.stream(functions).map(f -> {
            boolean waits = WAITS.contains(f.name());
            return new HostFunction(f.module(), f.name(), f.functionType(), (instance, args) -> {
                enter(waits);
                long[] result;
                try {
                    result = f.handle().apply(instance, args);
                } finally {
                    leave();
                }
                return result;
            });
        }).toArray(HostFunction[]::new);
    }

    /** Asks {@code thread}'s module to end at its next safe point. */
    synchronized void request(Thread thread) {
        ending = true;
        if (!inCall || waiting) {
            thread.interrupt();
        }
    }

    /** Interrupts {@code thread} wherever it is, inside a WASI call too. */
    synchronized void force(Thread thread) {
        ending = true;
        thread.interrupt();
    }

    private synchronized void enter(boolean waits) {
        if (ending) {
            throw ended();
        }
        inCall = true;
        waiting = waits;
    }

    private synchronized void leave() {
        inCall = false;
        waiting = false;
        if (ending) {
            throw ended();
        }
    }

    private static ChicoryInterruptedException ended() {
        return new ChicoryInterruptedException("ended by ERA at a safe point");
    }
}
