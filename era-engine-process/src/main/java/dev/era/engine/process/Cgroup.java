package dev.era.engine.process;

import dev.era.api.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;

/**
 * One start's cgroup: a directory per v1 hierarchy, or a single v2 directory, or none. The
 * operations are the same for both versions, so the handle only needs the directories.
 */
record Cgroup(List<Path> dirs) {
    static final Cgroup NONE = new Cgroup(List.of());

    Cgroup {
        dirs = List.copyOf(dirs);
    }

    boolean exists() {
        return !dirs.isEmpty();
    }

    List<Path> procsFiles() {
        return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
    }

    /**
     * The file with the {@code oom_kill N} line: {@code memory.events} (v2) or
     * {@code memory.oom_control} (v1). Empty without a memory controller.
     */
    Optional<Path> oomCounter() {
        for (Path dir : dirs) {
            for (String name : List.of("memory.events", "memory.oom_control")) {
                if (Files.exists(dir.resolve(name))) {
                    return Optional.of(dir.resolve(name));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The freezer's control file: {@code freezer.state} (v1 freezer hierarchy) or {@code cgroup.freeze}
     * (v2, kernel 5.2+). Empty when the work has no freezer.
     */
    Optional<Path> freezer() {
        for (Path dir : dirs) {
            for (String name : List.of("freezer.state", "cgroup.freeze")) {
                if (Files.exists(dir.resolve(name))) {
                    return Optional.of(dir.resolve(name));
                }
            }
        }
        return Optional.empty();
    }

    /** Whether every process of the group is frozen (v1 reports FREEZING until the last one is). */
    boolean frozen() {
        return freezer().map(file -> {
            try {
                if (file.getFileName().toString().equals("freezer.state")) {
                    return Files.readString(file).strip().equals("FROZEN");
                }
                return Files.readAllLines(file.resolveSibling("cgroup.events")).contains("frozen 1");
            } catch (IOException e) {
                return false; // removed: nothing is frozen any more
            }
        }).orElse(false);
    }

    /**
     * Asks the kernel to freeze or thaw the group; {@link #frozen()} tells when freezing has finished.
     * Quiet when the group is already gone.
     */
    void requestFrozen(boolean frozen) {
        freezer().ifPresent(file -> {
            boolean v1 = file.getFileName().toString().equals("freezer.state");
            try {
                Files.writeString(file, v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0"));
            } catch (NoSuchFileException e) {
                // removed meanwhile: the work ended
            } catch (IOException e) {
                throw new EngineException("cannot " + (frozen ? "freeze" : "thaw") + " cgroup " + file.getParent()
                        + ": " + e.getMessage() + "; check that the daemon runs as root", Map.of("cgroup", file.toString()), e);
            }
        });
    }

    /**
     * Freezes or thaws the group and waits up to {@code timeout} for it; false when it did not get
     * there (a process stuck in the kernel), in which case the group is thawed again.
     */
    boolean freeze(boolean frozen, Duration timeout) {
        requestFrozen(frozen);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (frozen() != frozen) {
            if (System.nanoTime() - deadline > 0) {
                requestFrozen(false);
                return false;
            }
            LockSupport.parkNanos(500_000);
        }
        return true;
    }

    /** Pids of the processes in the group now (the union over the hierarchies). */
    Set<Long> members() {
        Set<Long> pids = new TreeSet<>();
        for (Path procs : procsFiles()) {
            try {
                Files.readAllLines(procs).stream().map(String::strip).filter(s -> !s.isEmpty())
                        .map(Long::parseLong).forEach(pids::add);
            } catch (NoSuchFileException e) {
                // already removed
            } catch (IOException e) {
                // unreadable: treat as empty here; remove() reports a group that cannot go away
            }
        }
        return pids;
    }

    /** Removes the directories that are empty; true when none is left. Quiet when already gone. */
    boolean remove() {
        boolean all = true;
        for (Path dir : dirs) {
            try {
                Files.deleteIfExists(dir); // rmdir(2); cgroupfs allows it while the control files are listed
            } catch (IOException e) {
                all = false; // EBUSY: a process is still inside
            }
        }
        return all;
    }
}
