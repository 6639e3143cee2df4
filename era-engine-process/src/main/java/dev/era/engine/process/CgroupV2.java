package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.Resources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroup v2: one directory per work, under {@code <daemon's cgroup>/era}. The daemon's cgroup must
 * delegate the controllers (or be the root); the {@code era} directory holds no process, so it may
 * pass them on to the work cgroups.
 */
record CgroupV2(Path own) implements Cgroups {
    private static final String ENABLE = "+memory +pids +cpu";

    @Override
    public Cgroup create(String name, Resources limits) {
        Path dir = own.resolve("era").resolve(name);
        try {
            enable(own);
            Cgroups.mkdirs(dir.getParent());
            enable(dir.getParent());
            Cgroups.mkdirs(dir);
            if (limits.memoryBytes() > 0) {
                Cgroups.write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes()));
                // no swap, or the work would page out instead of hitting the limit
                if (Files.exists(dir.resolve("memory.swap.max"))) {
                    Cgroups.write(dir.resolve("memory.swap.max"), "0");
                }
            }
            if (limits.pids() > 0) {
                Cgroups.write(dir.resolve("pids.max"), Integer.toString(limits.pids()));
            }
            if (limits.cpu() > 0) {
                Cgroups.write(dir.resolve("cpu.max"), quota(limits.cpu()) + " " + CgroupV1.CPU_PERIOD_US);
            }
            return new Cgroup(List.of(dir));
        } catch (EngineException e) {
            new Cgroup(List.of(dir)).remove();
            if (!limits.limited()) {
                return Cgroup.NONE;
            }
            throw e;
        }
    }

    private static void enable(Path cgroup) {
        try {
            String current = Files.exists(cgroup.resolve("cgroup.subtree_control"))
                    ? Files.readString(cgroup.resolve("cgroup.subtree_control")) : "";
            if (List.of(current.trim().split("\\s+")).containsAll(CONTROLLERS)) {
                return;
            }
        } catch (IOException e) {
            // fall through and let the write report the problem
        }
        Cgroups.write(cgroup.resolve("cgroup.subtree_control"), ENABLE);
    }

    /** CPU cores as a CFS quota per {@link CgroupV1#CPU_PERIOD_US}; the kernel refuses less than 1 ms. */
    static long quota(double cores) {
        return Math.max(1000, Math.round(cores * CgroupV1.CPU_PERIOD_US));
    }

    @Override
    public Cgroup leftovers(String prefix) {
        return new Cgroup(Cgroups.children(own.resolve("era"), prefix));
    }

    @Override
    public String describe() {
        return "cgroup v2 under " + own;
    }
}
