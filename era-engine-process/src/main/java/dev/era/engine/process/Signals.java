package dev.era.engine.process;

import dev.era.os.Libc;

import java.util.Collection;
import java.util.Map;

/**
 * Sends signals with kill(2) through {@link Libc}, which can signal a whole process group (a
 * negative pid); the JDK's {@code ProcessHandle} signals single processes only. Callers check that
 * a pid is still theirs before signalling it. A target that is already gone is what the caller
 * wants, so failures are not reported.
 */
final class Signals {
    private static final Map<String, Integer> NUMBERS = Map.of("HUP", 1, "INT", 2, "KILL", 9, "TERM", 15, "CONT", 18, "STOP", 19);

    private Signals() {
    }

    /** Signals the process group led by {@code leader}. */
    static void group(String signal, long leader) {
        Libc.kill(-leader, number(signal));
    }

    static void processes(String signal, Collection<Long> pids) {
        for (long pid : pids) {
            Libc.kill(pid, number(signal));
        }
    }

    private static int number(String signal) {
        Integer n = NUMBERS.get(signal);
        if (n == null) {
            throw new IllegalArgumentException("unknown signal " + signal + "; use one of " + NUMBERS.keySet());
        }
        return n;
    }
}
