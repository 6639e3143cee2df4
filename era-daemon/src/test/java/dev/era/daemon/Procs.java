package dev.era.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What {@code /proc} says about processes: how tests find the apps a daemon started (by their
 * arguments), prove a pid is still the very same process (its start time), and kill everything a
 * test left behind.
 */
final class Procs {
    private static final Path PROC = Path.of("/proc");

    private Procs() {
    }

    /** A live process: its pid and argv. */
    record Proc(long pid, List<String> argv) {}

    /** Live (non-zombie) processes whose argv matches, excluding this JVM. */
    static List<Proc> matching(Predicate<List<String>> argv) {
        long self = ProcessHandle.current().pid();
        List<Proc> out = new ArrayList<>();
        for (long pid : pids()) {
            if (pid == self || zombie(pid)) {
                continue;
            }
            List<String> args = argv(pid);
            if (!args.isEmpty() && argv.test(args)) {
                out.add(new Proc(pid, args));
            }
        }
        return out;
    }

    /** Field 22 of {@code /proc/<pid>/stat}: clock ticks since boot at which the process started. */
    static Optional<Long> startTicks(long pid) {
        return stat(pid).map(f -> Long.parseLong(f[19]));
    }

    /** SIGKILL; a process that is already gone is fine. */
    static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /**
     * Kills every process that mentions {@code dir} in its arguments or runs in a directory under
     * it: a daemon started with {@code --data-dir dir}, its wrappers (their script lives there) and
     * the apps (they run in their install directory). Repeats until none is left, because a wrapper
     * may be caught between two of its children.
     */
    static void killEverythingUnder(Path dir) {
        String d = dir.toAbsolutePath().toString();
        for (int round = 0; round < 20; round++) {
            List<Long> found = new ArrayList<>();
            long self = ProcessHandle.current().pid();
            for (long pid : pids()) {
                if (pid != self && !zombie(pid) && (String.join(" ", argv(pid)).contains(d) || cwd(pid).startsWith(d))) {
                    found.add(pid);
                }
            }
            if (found.isEmpty()) {
                return;
            }
            found.forEach(Procs::kill);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static List<Long> pids() {
        try (Stream<Path> entries = Files.list(PROC)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
    }

    static List<String> argv(long pid) {
        try {
            byte[] raw = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
            if (raw.length == 0) {
                return List.of();
            }
            String s = new String(raw, StandardCharsets.UTF_8);
            return Arrays.asList((s.endsWith("\0") ? s.substring(0, s.length() - 1) : s).split("\0", -1));
        } catch (IOException e) {
            return List.of(); // gone, or not ours to read
        }
    }

    private static String cwd(long pid) {
        try {
            return Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("cwd")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    private static boolean zombie(long pid) {
        return stat(pid).map(f -> f[0].equals("Z") || f[0].equals("X")).orElse(true);
    }

    /** The fields after the command name (which may hold spaces); index 0 is field 3. */
    private static Optional<String[]> stat(long pid) {
        try {
            String s = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            return Optional.of(s.substring(s.lastIndexOf(')') + 2).trim().split(" "));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
