package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.EngineHandle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to find one start's work again after a daemon restart. It is both the
 * handle's bytes and the state file in the run directory, as a small line-oriented text (so that
 * an operator can read it).
 *
 * @param pid        the wrapper's pid; the wrapper leads the work's session and process group
 * @param startTicks the wrapper's start time from {@code /proc/<pid>/stat}; 0 when it had already ended
 * @param startedAt  wall-clock time of the start
 * @param runDir     the workload's run directory
 * @param exitFile   where the wrapper records the exit status of this start
 * @param cgroupDirs the work's cgroup directories (one per v1 hierarchy, one for v2, none without cgroups)
 * @param initPid    for a sandbox: host pid of its init (bubblewrap's pid 1, whose namespaces exec enters); 0 otherwise
 * @param initTicks  the init's start time, so that a reused pid is never entered; 0 when it had already ended
 */
record WorkRef(long pid, long startTicks, Instant startedAt, Path runDir, Path exitFile, List<Path> cgroupDirs,
               long initPid, long initTicks) {
    static final String ENGINE = "process";
    private static final String MAGIC = "era-process-handle 1";

    WorkRef {
        cgroupDirs = List.copyOf(cgroupDirs);
    }

    /** Work that is not a sandbox. */
    WorkRef(long pid, long startTicks, Instant startedAt, Path runDir, Path exitFile, List<Path> cgroupDirs) {
        this(pid, startTicks, startedAt, runDir, exitFile, cgroupDirs, 0, 0);
    }

    boolean sandboxed() {
        return initPid > 0;
    }

    /** The sandbox's init still runs (and is the one this start made). */
    boolean initAlive() {
        return ProcStat.alive(initPid, initTicks);
    }

    boolean alive() {
        return ProcStat.alive(pid, startTicks);
    }

    EngineHandle handle() {
        return new EngineHandle(ENGINE, encode());
    }

    byte[] encode() {
        StringBuilder text = new StringBuilder(MAGIC).append('\n')
                .append("pid=").append(pid).append('\n')
                .append("start=").append(startTicks).append('\n')
                .append("startedAt=").append(startedAt.toEpochMilli()).append('\n')
                .append("runDir=").append(checked(runDir)).append('\n')
                .append("exit=").append(checked(exitFile)).append('\n');
        cgroupDirs.forEach(dir -> text.append("cgroup=").append(checked(dir)).append('\n'));
        if (sandboxed()) {
            text.append("init=").append(initPid).append('\n').append("initStart=").append(initTicks).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String checked(Path path) {
        String s = path.toString();
        if (s.indexOf('\n') >= 0) {
            throw new EngineException("path " + s.replace("\n", "\\n") + " holds a newline; use a data directory without one");
        }
        return s;
    }

    static WorkRef decode(EngineHandle handle) {
        if (!ENGINE.equals(handle.engine())) {
            throw new EngineException("handle of engine '" + handle.engine() + "' was given to the process engine; "
                    + "pass each handle to the engine that made it", Map.of("engine", handle.engine()));
        }
        return decode(handle.data());
    }

    static WorkRef decode(byte[] data) {
        String[] lines = new String(data, StandardCharsets.UTF_8).split("\n");
        if (lines.length == 0 || !lines[0].equals(MAGIC)) {
            throw badHandle("it does not start with '" + MAGIC + "'");
        }
        long pid = -1;
        long start = -1;
        Instant startedAt = null;
        Path runDir = null;
        Path exitFile = null;
        List<Path> cgroups = new ArrayList<>();
        long initPid = 0;
        long initTicks = 0;
        try {
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                int eq = line.indexOf('=');
                if (eq < 0) {
                    throw badHandle("line '" + line + "' is not key=value");
                }
                String value = line.substring(eq + 1);
                switch (line.substring(0, eq)) {
                    case "pid" -> pid = Long.parseLong(value);
                    case "start" -> start = Long.parseLong(value);
                    case "startedAt" -> startedAt = Instant.ofEpochMilli(Long.parseLong(value));
                    case "runDir" -> runDir = Path.of(value);
                    case "exit" -> exitFile = Path.of(value);
                    case "cgroup" -> cgroups.add(Path.of(value));
                    case "init" -> initPid = Long.parseLong(value);
                    case "initStart" -> initTicks = Long.parseLong(value);
                    default -> { } // written by a newer engine; what we know is enough to find the work
                }
            }
        } catch (NumberFormatException e) {
            throw badHandle("a number does not parse: " + e.getMessage());
        }
        if (pid <= 0 || start < 0 || startedAt == null || runDir == null || exitFile == null) {
            throw badHandle("pid, start, startedAt, runDir or exit is missing");
        }
        return new WorkRef(pid, start, startedAt, runDir, exitFile, cgroups, initPid, initTicks);
    }

    private static EngineException badHandle(String why) {
        return new EngineException("process engine handle is corrupt: " + why
                + "; the stored handle was not written by this engine, treat the work as lost");
    }

    /** Writes the state file atomically, so that a crash leaves the old or the new one, never half. */
    void save(Path stateFile) {
        try {
            Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            Files.write(tmp, encode());
            Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EngineException("cannot write state file " + stateFile + ": " + e.getMessage()
                    + "; check that the run directory is writable", Map.of("file", stateFile.toString()), e);
        }
    }

    /** The state file's work, or empty when there is none or it is unreadable (then nothing runs that we know of). */
    static Optional<WorkRef> load(Path stateFile) {
        try {
            return Files.exists(stateFile) ? Optional.of(decode(Files.readAllBytes(stateFile))) : Optional.empty();
        } catch (IOException | EngineException e) {
            return Optional.empty();
        }
    }
}
