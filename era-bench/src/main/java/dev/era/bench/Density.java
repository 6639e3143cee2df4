package dev.era.bench;

import dev.era.client.EraClient;
import dev.era.client.ExecSpec;
import dev.era.client.Execution;
import dev.era.client.Sandbox;
import dev.era.client.SandboxSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Density: {@code suspended} sandboxes created and suspended, then {@code running} more created and
 * left idle, all in one daemon with the launcher's {@code -Xmx512m}. The default quotas (50 sandboxes
 * and 16 GiB of memory limits per tenant) are kept: the sandboxes are spread over tenants of 40, each
 * with a 64 MiB memory limit, as many users of one daemon would be. At the end the daemon still has
 * to list them all, run a command in running ones and resume suspended ones; then its heap used
 * after a full GC ({@code jcmd GC.run}, {@code GC.heap_info}), its RSS and its threads are read.
 */
final class Density {
    private static final int PER_TENANT = 40;
    private static final int THREADS = 4;
    private static final Pattern USED = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private final SandboxBench bench;
    private final int suspended;
    private final int running;

    Density(SandboxBench bench, int suspended, int running) {
        this.bench = bench;
        this.suspended = suspended;
        this.running = running;
    }

    record Result(List<E2eBench.Result> results, List<String> notes) {}

    /** One sandbox of one tenant. */
    private record Made(EraClient client, String id) {}

    Result run() throws Exception {
        BenchDaemon d = bench.daemon("density", Map.of("ERA_WARM_POOL", "0"));
        List<EraClient> tenants = new ArrayList<>();
        List<Made> made = Collections.synchronizedList(new ArrayList<>());
        List<E2eBench.Result> results = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            int total = suspended + running;
            for (int t = 0; t * PER_TENANT < total; t++) {
                tenants.add(d.tenant("density-" + t));
            }
            String load = SandboxBench.loadAverage();
            List<Double> createMs = timed(pool, suspended, i -> {
                Made m = create(tenants.get(i / PER_TENANT), "s" + i);
                made.add(m);
                return m;
            });
            List<Made> toSuspend = List.copyOf(made);
            List<Double> suspendMs = timed(pool, toSuspend.size(), i -> {
                Made m = toSuspend.get(i);
                Sandbox s = m.client.sandboxes().suspend(m.id);
                if (!s.state().equals("SUSPENDED") && !s.state().equals("SUSPENDING")) {
                    throw new IllegalStateException(m.id + " is " + s.state() + " after suspend");
                }
                return m;
            });
            List<Made> idle = Collections.synchronizedList(new ArrayList<>());
            createMs.addAll(timed(pool, running, i -> {
                Made m = create(tenants.get((suspended + i) / PER_TENANT), "r" + i);
                made.add(m);
                idle.add(m);
                return m;
            }));
            String loads = load + " / " + SandboxBench.loadAverage();
            results.add(new E2eBench.Result("density: create (" + THREADS + " clients at once) → RUNNING", createMs, "ms",
                    "", loads));
            results.add(new E2eBench.Result("density: suspend (freeze)", suspendMs, "ms", "", loads));

            int listed = 0;
            for (EraClient c : tenants) {
                listed += c.sandboxes().list().size();
            }
            Thread.sleep(5_000); // settle: creation garbage is collectable, timers armed
            Memory before = memory(d);
            long states = checkStates(tenants);
            // still working at that density: commands in running ones, and resume + exec of suspended ones
            List<Double> execMs = new ArrayList<>();
            for (int i = 0; i < Math.min(50, idle.size()); i++) {
                Made m = idle.get(i * idle.size() / Math.min(50, idle.size()));
                long t0 = System.nanoTime();
                Execution e = m.client.sandboxes().execSync(m.id, ExecSpec.argv("echo", "ok"));
                execMs.add((System.nanoTime() - t0) / 1e6);
                if (e.exitCode() != 0 || !e.stdout().equals("ok\n")) {
                    throw new IllegalStateException("exec in " + m.id + " at density gave " + e.exitCode());
                }
            }
            List<Double> resumeMs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Made m = toSuspend.get(i * toSuspend.size() / 20);
                long t0 = System.nanoTime();
                Execution e = m.client.sandboxes().execSync(m.id, ExecSpec.argv("echo", "ok"));
                resumeMs.add((System.nanoTime() - t0) / 1e6);
                if (e.exitCode() != 0 || !e.stdout().equals("ok\n")) {
                    throw new IllegalStateException("exec in suspended " + m.id + " at density gave " + e.exitCode());
                }
            }
            Memory after = memory(d);
            String l2 = SandboxBench.loadAverage();
            results.add(new E2eBench.Result("density: exec `echo` in an idle running sandbox, at density", execMs, "ms",
                    "", l2));
            results.add(new E2eBench.Result("density: exec `echo` in a suspended sandbox (resume + exec)", resumeMs, "ms",
                    "", l2));
            notes.add("density: " + suspended + " suspended + " + running + " idle running sandboxes (" + listed
                    + " listed by their " + tenants.size() + " tenants, " + states + " in the expected state), daemon "
                    + "-Xmx512m:");
            notes.add("- settled: " + before.describe());
            notes.add("- after 50 execs and 20 resumes: " + after.describe());
            notes.add("- host: " + hostMemory());
        } finally {
            pool.shutdownNow();
            System.err.println("density: deleting " + made.size() + " sandboxes");
            ExecutorService cleaners = Executors.newFixedThreadPool(THREADS);
            for (Made m : List.copyOf(made)) {
                cleaners.execute(() -> {
                    try {
                        m.client.sandboxes().delete(m.id);
                    } catch (RuntimeException e) {
                        System.err.println("could not delete " + m.id + ": " + e.getMessage());
                    }
                });
            }
            cleaners.shutdown();
            cleaners.awaitTermination(30, java.util.concurrent.TimeUnit.MINUTES);
            bench.stop(d);
        }
        return new Result(results, notes);
    }

    private static Made create(EraClient c, String name) {
        Sandbox s = c.sandboxes().create(SandboxSpec.builder().name(name).memory("64Mi").build());
        if (!s.state().equals("RUNNING")) {
            throw new IllegalStateException(s.id() + " is " + s.state() + " after create");
        }
        return new Made(c, s.id());
    }

    private static long checkStates(List<EraClient> tenants) {
        long n = 0;
        for (EraClient c : tenants) {
            for (Sandbox s : c.sandboxes().list()) {
                boolean ok = s.name().startsWith("s") ? s.state().equals("SUSPENDED") : s.state().equals("RUNNING");
                n += ok ? 1 : 0;
            }
        }
        return n;
    }

    private static List<Double> timed(ExecutorService pool, int n, Function<Integer, Made> job) throws Exception {
        List<Future<Double>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int at = i;
            fs.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                job.apply(at);
                return (System.nanoTime() - t0) / 1e6;
            }));
        }
        // every job ends before a failure is reported: a create still in flight must be deleted too
        List<Double> out = new ArrayList<>();
        java.util.concurrent.ExecutionException failed = null;
        for (Future<Double> f : fs) {
            try {
                out.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
        return out;
    }

    /** The daemon's memory: heap used after a full GC and its size, RSS, platform threads. */
    record Memory(long heapUsedKib, long heapCommittedKib, long rssKib, int threads) {
        String describe() {
            return "heap used after full GC %d MiB (committed %d MiB, max 512 MiB), RSS %d MiB, %d threads".formatted(
                    heapUsedKib >> 10, heapCommittedKib >> 10, rssKib >> 10, threads);
        }
    }

    private static Memory memory(BenchDaemon d) throws IOException, InterruptedException {
        jcmd(d.pid(), "GC.run");
        String info = jcmd(d.pid(), "GC.heap_info");
        // one line per generation (Serial: def new, tenured): summed
        Matcher m = USED.matcher(info);
        long committed = 0;
        long used = 0;
        while (m.find()) {
            committed += Long.parseLong(m.group(1));
            used += Long.parseLong(m.group(2));
        }
        if (committed == 0) {
            throw new IllegalStateException("no heap figures in jcmd GC.heap_info:\n" + info);
        }
        long rss = 0;
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(d.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.replaceAll("[^0-9]", ""));
            }
        }
        return new Memory(used, committed, rss, threads);
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
        Path jcmd = java.resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + command + " failed:\n" + out);
        }
        return out;
    }

    private static String hostMemory() throws IOException {
        long total = 0;
        long available = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                total = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("MemAvailable:")) {
                available = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return "%d MiB of %d MiB in use".formatted((total - available) >> 10, total >> 10);
    }
}
