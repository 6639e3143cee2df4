package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.Resources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Sandbox starts begun ahead of demand, on cgroup v1: a wrapper ({@link Launcher#standby}) whose child
 * already sits in a fresh cgroup of every hierarchy, waiting for a start to claim it. On this kind of
 * host a cgroup join waits for an RCU grace period (10-20 ms on a busy 2-core VM, the largest part of a
 * sandbox start); a claimed standby has paid it already. A claim renames the groups to the start's own
 * names and writes its limits ({@link CgroupV1#adopt}), so the work looks exactly like one started cold.
 *
 * <p>Nothing of the sandbox exists yet in a standby: no namespaces, no mounts, no files, no user; the
 * child is root's {@code /bin/sh} in empty cgroups with a bare environment. Isolation is what a cold
 * start builds, in the same order. A standby whose daemon goes away reads end of file, exits and removes
 * its groups; one left unclaimed for a minute is let go the same way. Refills wait a little after a claim, so that the claiming start does not share the CPU
 * with its own replacement.
 */
final class StandbyStarts {
    private static final Logger LOG = LoggerFactory.getLogger(StandbyStarts.class);
    private static final long REFILL_DELAY_MS = 200;
    private static final long RETRY_DELAY_MS = 5_000;
    /** Unclaimed this long, a standby is let go (and not replaced until the next start). */
    private static final long LIFETIME_MS = 60_000;

    /** A parked wrapper, its groups (named {@code standby-<token>}) and the go file it waits for. */
    record Standby(Process process, Cgroup cgroup, Path goFile, long madeNanos) {}

    private final Launcher launcher;
    private final CgroupV1 cgroups;
    private final Path dir;
    private final int size;
    private final ArrayDeque<Standby> ready = new ArrayDeque<>(); // guarded by this
    private int making; // guarded by this
    private final ScheduledExecutorService maker;

    /**
     * @param dir  a directory for the wrapper script and go files, made root-only here
     * @param size how many standbys to keep; 0 turns them off
     */
    StandbyStarts(Launcher launcher, CgroupV1 cgroups, Path dir, int size) {
        this.launcher = launcher;
        this.cgroups = cgroups;
        this.dir = dir;
        this.size = size;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("era-sandbox-standby").factory());
        executor.setRemoveOnCancelPolicy(true);
        this.maker = executor;
        if (size > 0) {
            maker.execute(this::removeStaleGoFiles);
        }
    }

    /**
     * Go files whose wrapper is gone: a wrapper reads its go file again when its work ends, then removes
     * it, so only a wrapper that was killed (SIGKILL) leaves one. Files of live wrappers, found by their
     * command lines, stay; so do files younger than a minute (another daemon may be claiming right now).
     */
    void removeStaleGoFiles() {
        java.util.Set<String> inUse = new java.util.HashSet<>();
        try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                try {
                    String[] argv = new String(Files.readAllBytes(p.resolve("cmdline")),
                            java.nio.charset.StandardCharsets.UTF_8).split("\0");
                    for (int i = 0; i + 1 < argv.length; i++) {
                        if (argv[i].equals("--standby")) {
                            inUse.add(argv[i + 1]);
                        }
                    }
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            }
            java.time.Instant before = java.time.Instant.now().minusSeconds(60);
            try (var goFiles = Files.newDirectoryStream(dir, "*.go")) {
                for (Path go : goFiles) {
                    if (!inUse.contains(go.toString()) && Files.getLastModifiedTime(go).toInstant().isBefore(before)) {
                        Files.deleteIfExists(go);
                    }
                }
            }
        } catch (IOException e) {
            // no standby directory yet: nothing to tidy
        }
    }

    /**
     * A standby for a start that will name its groups {@code name} with {@code limits}: renamed and limited,
     * its wrapper alive. Empty when none is ready (then this start goes cold; one is made for the next).
     */
    Optional<Claimed> claim(String name, Resources limits) {
        if (size == 0) {
            return Optional.empty();
        }
        while (true) {
            Standby s;
            synchronized (this) {
                s = ready.poll();
            }
            if (s == null) {
                refillLater();
                return Optional.empty();
            }
            if (!s.process().isAlive()) {
                discard(s);
                continue;
            }
            if (!joined(s)) {
                // renaming its groups now would make its join fail; the next start takes it
                synchronized (this) {
                    ready.addFirst(s);
                }
                return Optional.empty();
            }
            try {
                Cgroup adopted = cgroups.adopt(s.cgroup(), name, limits);
                refillLater();
                return Optional.of(new Claimed(s, adopted));
            } catch (EngineException e) {
                LOG.warn("standby wrapper {} could not be taken over ({}); starting cold", s.process().pid(), e.getMessage());
                discard(s);
                Cgroup partly = new Cgroup(s.cgroup().dirs().stream().map(d -> d.resolveSibling(name)).filter(Files::isDirectory)
                        .toList());
                partly.remove();
                refillLater();
                return Optional.empty();
            }
        }
    }

    /** Whether the standby's child has joined its groups: it joins them in order, so the last one tells. */
    private static boolean joined(Standby s) {
        try {
            return Files.readAllBytes(s.cgroup().procsFiles().getLast()).length > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** A claimed standby: its wrapper, and its groups under the start's name. */
    record Claimed(Standby standby, Cgroup cgroup) {}

    private void refillLater() {
        maker.schedule(this::refill, REFILL_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    private void refill() {
        while (true) {
            synchronized (this) {
                if (ready.size() + making >= size) {
                    return;
                }
                making++;
            }
            Optional<Standby> made = make();
            synchronized (this) {
                making--;
                if (made.isEmpty()) {
                    maker.schedule(this::refill, RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
                    return;
                }
                ready.add(made.get());
            }
        }
    }

    private Optional<Standby> make() {
        String token = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        Cgroup cgroup = Cgroup.NONE;
        try {
            Files.createDirectories(dir);
            Files.setAttribute(dir, "unix:mode", 0700);
            cgroup = cgroups.createEverywhere("standby-" + token);
            if (!cgroup.exists()) {
                return Optional.empty();
            }
            Path go = dir.resolve(token + ".go");
            Standby s = new Standby(launcher.standby(dir, cgroup, go), cgroup, go, System.nanoTime());
            maker.schedule(this::expire, LIFETIME_MS, TimeUnit.MILLISECONDS);
            return Optional.of(s);
        } catch (IOException | EngineException e) {
            LOG.warn("could not make a standby sandbox start ({}); trying again in {} ms", e.getMessage(), RETRY_DELAY_MS);
            cgroup.remove();
            return Optional.empty();
        }
    }

    /** The standbys waiting now, oldest first. */
    synchronized java.util.List<Standby> ready() {
        return java.util.List.copyOf(ready);
    }

    /**
     * Lets go of standbys nobody claimed within their lifetime: an engine that stopped starting sandboxes
     * (or one a test made and forgot) does not keep processes and cgroups parked for good.
     */
    private void expire() {
        java.util.List<Standby> old = new java.util.ArrayList<>();
        synchronized (this) {
            ready.removeIf(s -> System.nanoTime() - s.madeNanos() >= TimeUnit.MILLISECONDS.toNanos(LIFETIME_MS) && old.add(s));
        }
        old.forEach(StandbyStarts::discard);
    }

    /** Ends an unclaimed standby: end of file on its stdin, and it removes its own groups. */
    static void discard(Standby s) {
        try {
            s.process().getOutputStream().close();
        } catch (IOException e) {
            // gone already
        }
    }
}
