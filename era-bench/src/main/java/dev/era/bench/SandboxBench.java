package dev.era.bench;

import dev.era.client.AttachOptions;
import dev.era.client.EraClient;
import dev.era.client.ExecSpec;
import dev.era.client.Execution;
import dev.era.client.InteractiveSession;
import dev.era.client.OutputChunk;
import dev.era.client.Sandbox;
import dev.era.client.SandboxSpec;
import dev.era.client.Snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end sandbox benchmarks of issue 4, against real daemons started through {@code ./era}
 * (process engine: bubblewrap, seccomp, cgroups), each on a fresh data directory:
 * <ol>
 *   <li>{@code cold}: {@code POST /sandboxes} (no warm pool) → RUNNING, then exec of {@code echo}
 *       until its output is back; the two parts and their sum;</li>
 *   <li>{@code warm}: the same with a warm pool ({@code ERA_WARM_POOL}), one create per second so
 *       that the pool has refilled;</li>
 *   <li>{@code stream}: stdout throughput over the WebSocket (channel 1 frames) of
 *       {@code head -c N /dev/zero}, beside the same bytes through a plain pipe into this JVM and
 *       through a pipe inside the sandbox;</li>
 *   <li>{@code density}: 1,000 suspended and 200 idle running sandboxes in one daemon run with the
 *       launcher's {@code -Xmx512m}: heap used after a full GC, RSS, threads ({@link Density});</li>
 *   <li>{@code snapshot}: snapshot of a 100 MB workspace and create-from-snapshot to RUNNING.</li>
 * </ol>
 * Usage: {@code java -cp 'era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*'
 * dev.era.bench.SandboxBench [--era ./era] [--only cold,warm,stream,density,snapshot] [--runs 100]
 * [--log daemon.log] [--standby 2] [--stream-mib 1024] [--stream-runs 5] [--suspended 1000] [--running 200] [--snapshot-runs 10]}.
 * {@code --standby} sets the daemon's {@code ERA_SANDBOX_STANDBY} (sandbox starts begun ahead; 0 = off).
 * Prints Markdown tables (median, p99, min, max, load average before/after).
 */
public final class SandboxBench {
    private static final Set<String> SECTIONS = Set.of("cold", "warm", "stream", "density", "snapshot");

    private final Path era;
    private final Path work;
    private final Map<String, String> opts;
    private final List<E2eBench.Result> results = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private SandboxBench(Path era, Path work, Map<String, String> opts) {
        this.era = era;
        this.work = work;
        this.opts = opts;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        Path era = Path.of(opts.getOrDefault("era", "./era")).toAbsolutePath().normalize();
        if (!Files.isExecutable(era)) {
            throw new IllegalArgumentException("no launcher at " + era + "; pass --era path/to/era");
        }
        List<String> only = Arrays.asList(opts.getOrDefault("only", String.join(",", List.of("cold", "warm",
                "stream", "snapshot", "density"))).split(","));
        for (String s : only) {
            if (!SECTIONS.contains(s)) {
                throw new IllegalArgumentException("--only takes " + SECTIONS + ", not '" + s + "'");
            }
        }
        Path work = Files.createTempDirectory("era-sbxbench");
        SandboxBench bench = new SandboxBench(era, work, opts);
        try {
            for (String s : only) {
                System.err.println("section " + s + ", load " + loadAverage());
                switch (s) {
                    case "cold" -> bench.createToOutput(false);
                    case "warm" -> bench.createToOutput(true);
                    case "stream" -> bench.stream();
                    case "density" -> bench.density();
                    case "snapshot" -> bench.snapshot();
                    default -> throw new IllegalStateException(s);
                }
            }
        } finally {
            Files.deleteIfExists(work.resolve("daemon.log"));
            E2eBench.deleteTree(work);
        }
        System.out.println();
        System.out.println("| measurement | runs | median | p99 | min | max | target | load before/after |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        bench.results.forEach(r -> System.out.println(r.row()));
        System.out.println();
        bench.notes.forEach(System.out::println);
    }

    private int opt(String name, int dflt) {
        return Integer.parseInt(opts.getOrDefault(name, Integer.toString(dflt)));
    }

    BenchDaemon daemon(String name, Map<String, String> env) throws IOException, InterruptedException {
        Path log = opts.containsKey("log") ? Path.of(opts.get("log")) : work.resolve("daemon.log");
        Map<String, String> all = new LinkedHashMap<>(env);
        if (opts.containsKey("standby")) {
            all.put("ERA_SANDBOX_STANDBY", opts.get("standby"));
        }
        return BenchDaemon.start(era, work.resolve(name), log, all);
    }

    /** Stops the daemon and removes its data directory; its sandboxes were deleted through the API before. */
    void stop(BenchDaemon d) throws InterruptedException {
        d.close();
        E2eBench.deleteTree(d.dataDir);
    }

    private void createToOutput(boolean warm) throws Exception {
        int runs = opt("runs", 100);
        int pool = opt("pool", 4);
        BenchDaemon d = daemon(warm ? "warm" : "cold", Map.of("ERA_WARM_POOL", warm ? Integer.toString(pool) : "0"));
        try {
            var sbx = d.admin.sandboxes();
            if (warm) {
                Thread.sleep(3_000); // the pool fills in the background after start
            }
            int warmup = Math.max(10, runs / 10);
            List<Double> create = new ArrayList<>();
            List<Double> exec = new ArrayList<>();
            List<Double> total = new ArrayList<>();
            String load = "";
            for (int i = -warmup; i < runs; i++) {
                if (i == 0) {
                    load = loadAverage();
                }
                if (warm) {
                    Thread.sleep(1_000); // the claimed sandbox is replaced meanwhile
                }
                long t0 = System.nanoTime();
                Sandbox s = sbx.create(SandboxSpec.builder().build());
                long t1 = System.nanoTime();
                Execution e = sbx.execSync(s.id(), ExecSpec.argv("echo", "hello"));
                long t2 = System.nanoTime();
                if (!s.state().equals("RUNNING") || e.exitCode() != 0 || !e.stdout().equals("hello\n")) {
                    throw new IllegalStateException("sandbox " + s.id() + " is " + s.state() + ", echo gave " + e.exitCode()
                            + " '" + e.stdout() + "' '" + e.stderr() + "'");
                }
                sbx.delete(s.id());
                if (i >= 0) {
                    create.add((t1 - t0) / 1e6);
                    exec.add((t2 - t1) / 1e6);
                    total.add((t2 - t0) / 1e6);
                }
            }
            String loads = load + " / " + loadAverage();
            String kind = warm ? "warm pool of " + pool : "cold, no warm pool";
            results.add(new E2eBench.Result("sandbox create → first output of `echo` (" + kind + ")", total, "ms",
                    warm ? "p50 ≤ 5 ms" : "p50 ≤ 20 ms", loads));
            results.add(new E2eBench.Result("  of which POST /sandboxes → RUNNING (" + kind + ")", create, "ms", "",
                    loads));
            results.add(new E2eBench.Result("  of which exec `echo hello` → output (" + kind + ")", exec, "ms", "",
                    loads));
        } finally {
            removeAll(d.admin);
            if (warm) {
                d.close();
                // the pool's sandboxes are nobody's to delete and outlive a daemon; one started with a pool
                // of 0 on the same data directory discards them
                d = BenchDaemon.start(era, d.dataDir, work.resolve("daemon.log"), Map.of("ERA_WARM_POOL", "0"));
                awaitNoWork(d.dataDir);
            }
            stop(d);
        }
    }

    /** Waits (up to a minute) until no process has a file open under {@code dataDir}: its sandboxes are gone. */
    private static void awaitNoWork(Path dataDir) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline) {
            boolean busy = false;
            try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path p : procs) {
                    if (p.getFileName().toString().equals(Long.toString(ProcessHandle.current().pid()))) {
                        continue;
                    }
                    try (var fds = Files.newDirectoryStream(p.resolve("fd"))) {
                        for (Path fd : fds) {
                            String target = Files.readSymbolicLink(fd).toString();
                            if (target.startsWith(dataDir.resolve("deployments").toString())) {
                                busy = true;
                                break;
                            }
                        }
                    } catch (IOException e) {
                        // gone meanwhile, or not ours to read
                    }
                    if (busy) {
                        break;
                    }
                }
            } catch (IOException e) {
                return;
            }
            if (!busy) {
                return;
            }
            Thread.sleep(100);
        }
        System.err.println("sandboxes of " + dataDir + " are still running after a minute");
    }

    private void stream() throws Exception {
        long bytes = opt("stream-mib", 1024) * (1L << 20);
        int runs = opt("stream-runs", 5);
        BenchDaemon d = daemon("stream", Map.of("ERA_WARM_POOL", "0"));
        try {
            var sbx = d.admin.sandboxes();
            Sandbox s = sbx.create(SandboxSpec.builder().build());
            String cmd = "head -c " + bytes + " /dev/zero";
            for (int i = 0; i < 2; i++) { // warm-up of all three paths
                webSocket(sbx, s.id(), cmd, bytes);
                hostPipe(bytes);
            }
            String load = loadAverage();
            List<Double> ws = new ArrayList<>();
            List<Double> pipe = new ArrayList<>();
            List<Double> inside = new ArrayList<>();
            List<Double> daemonCpu = new ArrayList<>();
            List<Double> clientCpu = new ArrayList<>();
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean();
            for (int i = 0; i < runs; i++) {
                long d0 = cpuTicks(d.pid());
                long c0 = os.getProcessCpuTime();
                ws.add(mbPerSecond(bytes, webSocket(sbx, s.id(), cmd, bytes)));
                double gib = bytes / (double) (1L << 30);
                daemonCpu.add((cpuTicks(d.pid()) - d0) * 10 / gib);
                clientCpu.add((os.getProcessCpuTime() - c0) / 1e6 / gib);
                pipe.add(mbPerSecond(bytes, hostPipe(bytes)));
                long t0 = System.nanoTime();
                Execution e = sbx.execSync(s.id(), ExecSpec.shell(cmd + " | cat > /dev/null"));
                inside.add(mbPerSecond(bytes, System.nanoTime() - t0));
                if (e.exitCode() != 0) {
                    throw new IllegalStateException("the pipe in the sandbox failed: " + e.stderr());
                }
            }
            String loads = load + " / " + loadAverage();
            String size = (bytes >> 20) + " MiB";
            results.add(new E2eBench.Result("stdout over the WebSocket, `" + cmd + "` (" + size
                    + "), attach → exit status", ws, "MB/s", "≥ 500 MB/s", loads));
            results.add(new E2eBench.Result("  CPU of the daemon per GiB over the WebSocket (load-independent)",
                    daemonCpu, "ms", "", loads));
            results.add(new E2eBench.Result("  CPU of the client (this JVM) per GiB over the WebSocket", clientCpu, "ms",
                    "", loads));
            results.add(new E2eBench.Result("  beside: the same bytes through a host pipe into this JVM", pipe, "MB/s", "",
                    loads));
            results.add(new E2eBench.Result("  beside: `... | cat > /dev/null` inside the sandbox (exec round trip)",
                    inside, "MB/s", "", loads));
        } finally {
            removeAll(d.admin);
            stop(d);
        }
    }

    /** Nanoseconds from the attach to the exit status, all {@code bytes} received on channel 1. */
    private static long webSocket(dev.era.client.Sandboxes sbx, String id, String cmd, long bytes) throws Exception {
        AtomicLong got = new AtomicLong();
        long t0 = System.nanoTime();
        try (InteractiveSession session = sbx.attach(id, AttachOptions.pipes(cmd), c -> {
            if (c.kind() == OutputChunk.Kind.STDOUT) {
                got.addAndGet(c.data().length);
            }
        })) {
            int exit = session.exitCode().get(5, TimeUnit.MINUTES);
            long took = System.nanoTime() - t0;
            if (exit != 0 || got.get() != bytes) {
                throw new IllegalStateException("the WebSocket delivered " + got.get() + " of " + bytes
                        + " bytes, exit " + exit);
            }
            return took;
        }
    }

    /** Nanoseconds to read {@code bytes} from {@code head -c} through a pipe, as the daemon reads a command. */
    private static long hostPipe(long bytes) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("head", "-c", Long.toString(bytes), "/dev/zero")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = p.getInputStream()) {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
        }
        p.waitFor();
        if (n != bytes) {
            throw new IllegalStateException("the pipe gave " + n + " of " + bytes + " bytes");
        }
        return System.nanoTime() - t0;
    }

    /** utime + stime of a process, in clock ticks (10 ms on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double mbPerSecond(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    private void density() throws Exception {
        Density.Result r = new Density(this, opt("suspended", 1000), opt("running", 200)).run();
        results.addAll(r.results());
        notes.addAll(r.notes());
    }

    private void snapshot() throws Exception {
        int runs = opt("snapshot-runs", 10);
        BenchDaemon d = daemon("snapshot", Map.of("ERA_WARM_POOL", "0"));
        try {
            var sbx = d.admin.sandboxes();
            for (var shape : List.of(
                    Map.entry("one 100 MB file", "head -c 100000000 /dev/urandom > big"),
                    Map.entry("2,000 files of 50 KB", "mkdir many && head -c 100000000 /dev/urandom "
                            + "| split -b 50000 -a 4 - many/f"))) {
                Sandbox source = sbx.create(SandboxSpec.builder().build());
                Execution fill = sbx.execSync(source.id(), ExecSpec.shell(shape.getValue()));
                if (fill.exitCode() != 0) {
                    throw new IllegalStateException("could not fill the workspace: " + fill.stderr());
                }
                List<Double> save = new ArrayList<>();
                List<Double> restore = new ArrayList<>();
                List<Double> restoreCpu = new ArrayList<>();
                List<Double> gnuTar = new ArrayList<>();
                String load = "";
                for (int i = -2; i < runs; i++) {
                    if (i == 0) {
                        load = loadAverage();
                    }
                    long t0 = System.nanoTime();
                    Snapshot snap = sbx.snapshot(source.id(), "bench-" + (i + 2), false);
                    long t1 = System.nanoTime();
                    long cpu0 = cpuTicks(d.pid());
                    Sandbox copy = sbx.create(SandboxSpec.builder().fromSnapshot(snap.id()).build());
                    long t2 = System.nanoTime();
                    long cpu = (cpuTicks(d.pid()) - cpu0) * 10;
                    if (!snap.status().equals("complete") || snap.sizeBytes() < 100_000_000L
                            || !copy.state().equals("RUNNING")) {
                        throw new IllegalStateException("snapshot " + snap.id() + " is " + snap.status() + " ("
                                + snap.sizeBytes() + " bytes), its copy " + copy.state());
                    }
                    Execution check = sbx.execSync(copy.id(), ExecSpec.shell("du -sb --apparent-size . | cut -f1"));
                    if (Long.parseLong(check.stdout().trim()) < 100_000_000L) {
                        throw new IllegalStateException("the restored workspace holds " + check.stdout().trim()
                                + " bytes");
                    }
                    double tar = gnuTar(d, snap.id());
                    sbx.delete(copy.id());
                    sbx.deleteSnapshot(snap.id());
                    if (i >= 0) {
                        save.add((t1 - t0) / 1e6);
                        restore.add((t2 - t1) / 1e6);
                        restoreCpu.add((double) cpu);
                        gnuTar.add(tar);
                    }
                }
                String loads = load + " / " + loadAverage();
                results.add(new E2eBench.Result("snapshot of a 100 MB workspace, " + shape.getKey()
                        + " (local, tar)", save, "ms", "≤ 1 s", loads));
                results.add(new E2eBench.Result("create from that snapshot → RUNNING, " + shape.getKey(), restore, "ms",
                        "≤ 1 s", loads));
                results.add(new E2eBench.Result("  CPU of the daemon for that create", restoreCpu, "ms", "", loads));
                results.add(new E2eBench.Result("  beside: GNU tar -x of the same archive into /tmp", gnuTar, "ms", "",
                        loads));
                sbx.delete(source.id());
            }
        } finally {
            removeAll(d.admin);
            stop(d);
        }
    }

    /** Milliseconds of {@code tar -xf} of the snapshot's archive (in the daemon's data directory) into a new directory. */
    private double gnuTar(BenchDaemon d, String snapshotId) throws IOException, InterruptedException {
        Path archive;
        try (var found = Files.find(d.dataDir.resolve("snapshots"), 3,
                (p, a) -> p.getFileName().toString().equals(snapshotId + ".tar"))) {
            archive = found.findFirst().orElseThrow(() -> new IllegalStateException("no archive of " + snapshotId));
        }
        Path into = Files.createTempDirectory(work, "tar");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("tar", "-xf", archive.toString(), "-C", into.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tar -xf " + archive + " failed");
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        E2eBench.deleteTree(into);
        return ms;
    }

    /** Best effort, also after a failure: no sandbox may outlive the benchmark. */
    static void removeAll(EraClient client) {
        try {
            for (Sandbox s : client.sandboxes().list()) {
                client.sandboxes().delete(s.id());
            }
        } catch (RuntimeException e) {
            System.err.println("could not remove every sandbox: " + e.getMessage());
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs, got " + String.join(" ", args));
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }
}
