package dev.era.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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
