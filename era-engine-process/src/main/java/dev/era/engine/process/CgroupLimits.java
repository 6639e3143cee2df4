package dev.era.engine.process;

import dev.era.api.Resources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The limits a cgroup enforces now, read back from its control files (v1 or v2), in the spec's terms:
 * 0 where there is no limit. v1 reports "no memory limit" as a page-rounded Long.MAX_VALUE.
 */
final class CgroupLimits {
    /** v1's unlimited memory, and anything above it, is no limit. */
    private static final long V1_UNLIMITED = 1L << 62;

    private CgroupLimits() {
    }

    /** Empty when none of the directories holds a limit file (no cgroup, or one already removed). */
    static Optional<Resources> read(List<Path> dirs) {
        long memory = -1;
        int pids = -1;
        double cpu = -1;
        for (Path d : dirs) {
            memory = Math.max(memory, memory(d));
            pids = Math.max(pids, pids(d));
            cpu = Math.max(cpu, cpu(d));
        }
        if (memory < 0 && pids < 0 && cpu < 0) {
            return Optional.empty();
        }
        return Optional.of(new Resources(Math.max(cpu, 0), Math.max(memory, 0), Math.max(pids, 0)));
    }

    private static long memory(Path d) {
        Optional<String> v = first(d, "memory.max", "memory.limit_in_bytes");
        if (v.isEmpty()) {
            return -1;
        }
        if (v.get().equals("max")) {
            return 0;
        }
        long bytes = Long.parseLong(v.get());
        return bytes >= V1_UNLIMITED ? 0 : bytes;
    }

    private static int pids(Path d) {
        return first(d, "pids.max").map(v -> v.equals("max") ? 0 : Integer.parseInt(v)).orElse(-1);
    }

    private static double cpu(Path d) {
        Optional<String> max = first(d, "cpu.max");
        if (max.isPresent()) {
            String[] f = max.get().split("\\s+");
            return f[0].equals("max") ? 0 : Double.parseDouble(f[0]) / Double.parseDouble(f[1]);
        }
        Optional<String> quota = first(d, "cpu.cfs_quota_us");
        Optional<String> period = first(d, "cpu.cfs_period_us");
        if (quota.isEmpty() || period.isEmpty()) {
            return -1;
        }
        long q = Long.parseLong(quota.get());
        return q <= 0 ? 0 : (double) q / Long.parseLong(period.get());
    }

    private static Optional<String> first(Path dir, String... names) {
        for (String n : names) {
            try {
                return Optional.of(Files.readString(dir.resolve(n)).strip());
            } catch (IOException e) {
                // not this version's file, or the cgroup is gone
            }
        }
        return Optional.empty();
    }
}
