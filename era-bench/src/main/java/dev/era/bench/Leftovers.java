package dev.era.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Removes what a benchmark's daemon leaves running on purpose after it stopped (sandboxes and their
 * exec agents outlive the daemon, the warm pool's too): every process whose command line names the
 * data directory is killed with its process group, then the deployments' cgroups are removed.
 * Only processes of that one data directory are touched.
 *
 * <p>Usage: {@code java -cp ... dev.era.bench.Leftovers <data dir>...}.
 */
public final class Leftovers {
    private Leftovers() {
    }

    public static void main(String[] args) throws Exception {
        for (String dir : args) {
            System.err.println("removed " + remove(Path.of(dir)) + " processes of " + dir);
        }
    }

    static int remove(Path dataDir) throws IOException, InterruptedException {
        String needle = dataDir.toAbsolutePath().normalize().toString();
        List<Path> cgroups = cgroups(dataDir);
        int killed = 0;
        for (int round = 0; round < 20; round++) {
            List<Long> pids = processesNaming(needle);
            if (pids.isEmpty()) {
                break;
            }
            for (long pid : pids) {
                new ProcessBuilder("kill", "-KILL", "--", "-" + pid).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                new ProcessBuilder("kill", "-KILL", Long.toString(pid)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                killed++;
            }
            Thread.sleep(100);
        }
        for (Path cg : cgroups) {
            Files.deleteIfExists(cg); // rmdir of an empty cgroup; one still busy stays
        }
        return killed;
    }

    /** The cgroup directories the process engine recorded in each deployment's state file. */
    private static List<Path> cgroups(Path dataDir) throws IOException {
        List<Path> out = new ArrayList<>();
        Path deployments = dataDir.resolve("deployments");
        if (!Files.isDirectory(deployments)) {
            return out;
        }
        try (Stream<Path> ds = Files.list(deployments)) {
            for (Path d : ds.toList()) {
                Path state = d.resolve("run").resolve("state");
                if (Files.isRegularFile(state)) {
                    Files.readAllLines(state).stream().filter(l -> l.startsWith("cgroup="))
                            .forEach(l -> out.add(Path.of(l.substring("cgroup=".length()))));
                }
            }
        }
        return out;
    }

    private static List<Long> processesNaming(String needle) throws IOException {
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmdline.contains(needle + "/") || cmdline.endsWith(needle + " ") || cmdline.contains(needle + " ")) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // gone
                }
            }
        }
        return pids;
    }
}
