package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.Resources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * cgroup v1: one directory per controller hierarchy.
 *
 * @param bases controller ({@code memory}, {@code pids}, {@code cpu}, {@code freezer}) to the directory under which
 *              work cgroups are made ({@code <mount>/<daemon's cgroup>/era})
 */
record CgroupV1(Map<String, Path> bases) implements Cgroups {
    static final long CPU_PERIOD_US = 100_000;

    CgroupV1 {
        bases = Map.copyOf(bases);
    }

    @Override
    public Cgroup create(String name, Resources limits) {
        requireController("memory", limits.memoryBytes() > 0, limits);
        requireController("pids", limits.pids() > 0, limits);
        requireController("cpu", limits.cpu() > 0, limits);
        List<Path> dirs = new ArrayList<>();
        try {
            for (String controller : hierarchies(limits)) {
                Path base = bases.get(controller);
                if (base != null) {
                    Path dir = base.resolve(name);
                    Cgroups.mkdirs(dir);
                    dirs.add(dir);
                    writeLimits(controller, dir, limits);
                }
            }
            return new Cgroup(dirs);
        } catch (EngineException e) {
            new Cgroup(dirs).remove();
            if (!limits.limited()) {
                return Cgroup.NONE; // only for tracking; the work runs fine without
            }
            throw e;
        }
    }

    /**
     * The hierarchies one start joins: those of its limits, and the freezer, which tracks every process
     * of the work and lets it be paused. Each join moves the process between cgroups, and on v1 a
     * move waits for an RCU grace period now and then (milliseconds on a busy host), so a hierarchy
     * without a limit is not joined. Without a freezer mounted, the first available hierarchy tracks.
     */
    List<String> hierarchies(Resources limits) {
        List<String> out = new ArrayList<>();
        for (String controller : V1_HIERARCHIES) {
            boolean limited = switch (controller) {
                case "memory" -> limits.memoryBytes() > 0;
                case "pids" -> limits.pids() > 0;
                case "cpu" -> limits.cpu() > 0;
                default -> true;
            };
            if (limited && bases.containsKey(controller)) {
                out.add(controller);
            }
        }
        if (out.isEmpty()) {
            V1_HIERARCHIES.stream().filter(bases::containsKey).findFirst().ifPresent(out::add);
        }
        return out;
    }

    /**
     * A group in every hierarchy, without limits, for {@link StandbyStarts}: a standby cannot know which
     * hierarchies and limits its start will want, so it joins them all ahead of time.
     */
    Cgroup createEverywhere(String name) {
        List<Path> dirs = new ArrayList<>();
        try {
            for (String controller : V1_HIERARCHIES) {
                Path base = bases.get(controller);
                if (base != null) {
                    Path dir = base.resolve(name);
                    Cgroups.mkdirs(dir);
                    dirs.add(dir);
                }
            }
            return new Cgroup(dirs);
        } catch (EngineException e) {
            new Cgroup(dirs).remove();
            throw e;
        }
    }

    /**
     * Takes over a group made ahead by {@link #createEverywhere} ({@link StandbyStarts}), processes and all:
     * renames its directories to {@code name} (cgroup v1 renames within the parent; v2 cannot) and writes
     * the limits. Hierarchies the start does not limit stay joined, tracking only. A failure leaves the
     * group as it was, or partly renamed; the caller removes it.
     */
    Cgroup adopt(Cgroup standby, String name, Resources limits) {
        requireController("memory", limits.memoryBytes() > 0, limits);
        requireController("pids", limits.pids() > 0, limits);
        requireController("cpu", limits.cpu() > 0, limits);
        Map<Path, String> controllers = new java.util.HashMap<>();
        for (Path dir : standby.dirs()) {
            bases.forEach((controller, base) -> {
                if (base.equals(dir.getParent())) {
                    controllers.put(dir, controller);
                }
            });
        }
        if (!controllers.values().containsAll(hierarchies(limits))) {
            throw new EngineException("standby cgroup " + standby.dirs() + " does not cover " + hierarchies(limits));
        }
        List<Path> dirs = new ArrayList<>();
        for (Path dir : standby.dirs()) {
            Path target = dir.resolveSibling(name);
            try {
                Files.move(dir, target); // rename(2)
            } catch (java.io.IOException e) {
                throw new EngineException("cannot rename cgroup " + dir + " to " + target + ": " + e.getMessage(),
                        Map.of("cgroup", dir.toString()), e);
            }
            dirs.add(target);
            writeLimits(controllers.get(dir), target, limits);
        }
        return new Cgroup(dirs);
    }

    private void requireController(String controller, boolean wanted, Resources limits) {
        if (wanted && !bases.containsKey(controller)) {
            throw new EngineException("resource limits " + limits + " need the cgroup v1 '" + controller
                    + "' controller, which is not mounted for the daemon's cgroup; mount it or drop that limit",
                    Map.of("controller", controller));
        }
    }

    private static void writeLimits(String controller, Path dir, Resources limits) {
        switch (controller) {
            case "memory" -> {
                if (limits.memoryBytes() > 0) {
                    Cgroups.write(dir.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
                    // with swap accounting, also cap memory+swap, or the work would page out instead of hitting the limit
                    Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
                    if (Files.exists(memsw)) {
                        Cgroups.write(memsw, Long.toString(limits.memoryBytes()));
                    }
                }
            }
            case "pids" -> {
                if (limits.pids() > 0) {
                    Cgroups.write(dir.resolve("pids.max"), Integer.toString(limits.pids()));
                }
            }
            case "cpu" -> {
                if (limits.cpu() > 0) {
                    Cgroups.write(dir.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
                    Cgroups.write(dir.resolve("cpu.cfs_quota_us"), Long.toString(CgroupV2.quota(limits.cpu())));
                }
            }
            case "freezer" -> {
                // no limit: the group is there so that pause can freeze the work
            }
            default -> throw new EngineException("unknown cgroup controller " + controller);
        }
    }

    @Override
    public Cgroup leftovers(String prefix) {
        return new Cgroup(bases.values().stream().flatMap(base -> Cgroups.children(base, prefix).stream()).toList());
    }

    @Override
    public String describe() {
        return "cgroup v1 " + bases;
    }
}
