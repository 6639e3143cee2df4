package dev.era.core;

import dev.era.api.Resources;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What differs between the limits a spec asks for and those the kernel enforces now, in words. */
final class LimitsDrift {
    private LimitsDrift() {
    }

    static Optional<String> describe(Resources wanted, Resources seen) {
        List<String> diffs = new ArrayList<>();
        if (wanted.memoryBytes() != seen.memoryBytes()) {
            diffs.add("memory " + bytes(wanted.memoryBytes()) + " in the spec, " + bytes(seen.memoryBytes()) + " in force");
        }
        if (wanted.pids() != seen.pids()) {
            diffs.add("pids " + count(wanted.pids()) + " in the spec, " + count(seen.pids()) + " in force");
        }
        if (Math.abs(wanted.cpu() - seen.cpu()) > 0.005) {
            diffs.add("cpu " + cores(wanted.cpu()) + " in the spec, " + cores(seen.cpu()) + " in force");
        }
        return diffs.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", diffs));
    }

    private static String bytes(long b) {
        return b == 0 ? "unlimited" : b % (1 << 20) == 0 ? (b >> 20) + "Mi" : b + " bytes";
    }

    private static String count(int n) {
        return n == 0 ? "unlimited" : Integer.toString(n);
    }

    private static String cores(double c) {
        return c == 0 ? "unlimited" : String.format(java.util.Locale.ROOT, "%.2f cores", c);
    }
}
