package dev.era.engine.process;

import dev.era.api.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The fields of {@code /proc/<pid>/stat} the engine needs. The start time (field 22, clock ticks
 * since boot) is what tells our process apart from a later one that got the same pid.
 *
 * @param state      field 3: R, S, D, Z (zombie), ...
 * @param pgrp       field 5: the process group id
 * @param session    field 6: the session id; our wrappers are session leaders, so their pid
 * @param startTicks field 22
 */
record ProcStat(long pid, char state, long pgrp, long session, long startTicks) {
    private static final Path PROC = Path.of("/proc");

    /** The process, if it exists now; a zombie still has an entry, see {@link #zombie()}. */
    static Optional<ProcStat> read(long pid) {
        try {
            return Optional.of(parse(pid, Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // ESRCH while reading: the process vanished between open and read
            return Optional.empty();
        }
    }

    /** True only when {@code pid} runs and started at {@code startTicks}: a reused pid is never ours. */
    static boolean alive(long pid, long startTicks) {
        return startTicks > 0 && read(pid).filter(s -> !s.zombie() && s.startTicks() == startTicks).isPresent();
    }

    static ProcStat parse(long pid, String stat) {
        // comm (field 2) may hold spaces and parentheses, so fields are counted after the last ')'
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/pid/stat line: " + stat);
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3
        return new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[19]));
    }

    boolean zombie() {
        return state == 'Z' || state == 'X';
    }

    /**
     * The children of {@code pid} (its main thread's, which is where fork(2) puts them). Empty when the
     * process is gone.
     */
    static List<Long> children(long pid) {
        try {
            String text = Files.readString(PROC.resolve(pid + "/task/" + pid + "/children")).strip();
            return text.isEmpty() ? List.of() : Arrays.stream(text.split(" ")).map(Long::parseLong).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Live (non-zombie) processes whose session id is {@code session}. */
    static List<Long> sessionMembers(long session) {
        List<Long> members = new ArrayList<>();
        try (Stream<Path> entries = Files.list(PROC)) {
            entries.map(p -> p.getFileName().toString())
                    .filter(name -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .forEach(pid -> read(pid)
                            .filter(s -> s.session() == session && !s.zombie())
                            .ifPresent(s -> members.add(pid)));
        } catch (IOException e) {
            throw new EngineException("cannot list /proc (" + e.getMessage() + "); the process engine needs /proc mounted",
                    Map.of(), e);
        }
        return members;
    }
}
