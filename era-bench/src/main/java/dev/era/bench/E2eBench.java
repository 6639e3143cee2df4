package dev.era.bench;

import dev.era.client.DaemonUnavailableException;
import dev.era.client.Deployment;
import dev.era.client.EraClient;
import dev.era.client.Event;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * End-to-end measurements of ERA as a user runs it, through the {@code ./era} launcher:
 * <ol>
 *   <li>{@code start}: spawning {@code ./era serve} to the first 200 from {@code /health} on the
 *       Unix socket, on an existing data directory and on a new one;</li>
 *   <li>{@code rss}: the daemon's VmRSS after it settled (idle, no deployments);</li>
 *   <li>{@code deploy}: {@code POST /deployments?wait=} of a trivial process ({@code sleep}, no
 *       health probe) over the Unix socket until the answer says RUNNING;</li>
 *   <li>{@code ps}: wall time of {@code ./era ps} over the Unix socket, the CLI's JVM start
 *       included, with 5 deployments listed;</li>
 *   <li>{@code recovery}: with 20 apps running, kill -9 of the daemon, then {@code ./era serve}
 *       again until {@code /health} answers and all 20 are listed RUNNING with their old pids;</li>
 *   <li>{@code agents}: the example agent package ({@code era-agents-examples/target/*.jar}) deployed as
 *       {@code engine: agents}, then {@code POST /agents/counter/{id}/messages} on one kept-alive connection,
 *       over TCP with an API key and over the Unix socket: {@code get} (a warm tick, nothing to commit) and
 *       {@code inc} (a durable tick, answered after its commit).</li>
 * </ol>
 * Usage: {@code java -cp 'era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*'
 * dev.era.bench.E2eBench [--era ./era] [--starts 30] [--rss 5] [--deploys 300] [--ps 50]
 * [--recoveries 10] [--agent-messages 20000] [--only agents]}.
 * Prints a Markdown table (median, p99, min, max) and the load average around each measurement.
 */
public final class E2eBench {
    /** A daemon without a sandbox warm pool, for measurements that use no sandbox. */
    private static final Map<String, String> NO_POOL = Map.of("ERA_WARM_POOL", "0");

    private final Path era;
    private final Path work;

    private E2eBench(Path era, Path work) {
        this.era = era;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        Path era = Path.of(opts.getOrDefault("era", "./era")).toAbsolutePath().normalize();
        if (!Files.isExecutable(era)) {
            throw new IllegalArgumentException("no launcher at " + era + "; pass --era path/to/era");
        }
        Path work = Files.createTempDirectory("era-e2e");
        E2eBench bench = new E2eBench(era, work);
        List<Result> results = new ArrayList<>();
        try {
            bench.prepare();
            String only = opts.getOrDefault("only", "");
            if (only.isEmpty()) {
                results.addAll(bench.start(Integer.parseInt(opts.getOrDefault("starts", "30"))));
                results.add(bench.rss(Integer.parseInt(opts.getOrDefault("rss", "5"))));
                results.addAll(bench.deployAndPs(Integer.parseInt(opts.getOrDefault("deploys", "300")),
                        Integer.parseInt(opts.getOrDefault("ps", "50"))));
                results.add(bench.recovery(Integer.parseInt(opts.getOrDefault("recoveries", "10"))));
            }
            if (only.isEmpty() || only.equals("agents")) {
                results.addAll(bench.agents(Integer.parseInt(opts.getOrDefault("agent-messages", "20000"))));
            }
        } finally {
            // warm-pool sandboxes and apps outlive their daemons by design; these are the benchmark's
            System.err.println("removed " + Leftovers.remove(work) + " leftover processes of " + work);
            deleteTree(work);
        }
        System.out.println();
        System.out.println("| measurement | runs | median | p99 | min | max | target | load before/after |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        results.forEach(r -> System.out.println(r.row()));
    }

    /** One daemon start and stop, so that the launcher's one-time work (build, caches) is not measured. */
    private void prepare() throws Exception {
        System.err.println("preparing: one start of ./era serve (builds and start-up caches, if missing)");
        // no warm pool: its sandboxes belong to no tenant a client lists, so they would outlive the benchmark
        Daemon d = spawn(work.resolve("prepare"), false, NO_POOL);
        d.stop();
        Process p = new ProcessBuilder(era.toString(), "--data-dir", work.resolve("prepare").toString(), "ps")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
    }

    /** Each run starts a daemon on a new data directory (first start), stops it, and starts it again there. */
    private List<Result> start(int runs) throws Exception {
        String load = loadAverage();
        List<Double> first = new ArrayList<>();
        List<Double> again = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Path dir = work.resolve("start-" + i);
            Daemon d = spawn(dir, true);
            first.add(d.readyMillis);
            d.stop();
            d = spawn(dir, true);
            again.add(d.readyMillis);
            d.stop();
            deleteTree(dir);
        }
        String loads = load + " / " + loadAverage();
        return List.of(
                new Result("(i) `./era serve` spawn → /health 200 (Unix socket), existing data directory", again, "ms",
                        "≤ 400 ms", loads),
                new Result("(i) the same, first start on a new data directory (creates store, key, copies)", first,
                        "ms", "≤ 400 ms", loads));
    }

    private Result rss(int runs) throws Exception {
        String load = loadAverage();
        List<Double> mib = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Daemon d = spawn(work.resolve("rss-" + i), true);
            // settle: start-up garbage collected, timers running, no requests
            Thread.sleep(5_000);
            mib.add(vmRssKib(d.process.pid()) / 1024.0);
            d.stop();
            deleteTree(work.resolve("rss-" + i));
        }
        return new Result("(ii) idle daemon VmRSS, 5 s after ready", mib, "MiB", "≤ 120 MiB", load + " / " + loadAverage());
    }

    private List<Result> deployAndPs(int deploys, int psRuns) throws Exception {
        Path dir = work.resolve("deploy");
        Daemon d = spawn(dir, true);
        List<Result> out = new ArrayList<>();
        EraClient client = EraClient.unix(dir.resolve("era.sock"));
        try {
            int warmup = Math.max(20, deploys / 10);
            for (int i = 0; i < warmup; i++) {
                deployOnce(client, "warm-" + i);
            }
            String load = loadAverage();
            List<Double> ms = new ArrayList<>();
            List<Double> own = new ArrayList<>();
            for (int i = 0; i < deploys; i++) {
                double[] took = deployOnce(client, "bench-" + i);
                ms.add(took[0]);
                own.add(took[1]);
            }
            String loads = load + " / " + loadAverage();
            out.add(new Result("(iii) POST /deployments?wait= → RUNNING, `sleep`, Unix socket", ms, "ms",
                    "p50 ≤ 10 ms, p99 ≤ 50 ms", loads));
            out.add(new Result("(iii) the same without the engine's start of the process (ACTIVATING → "
                    + "HEALTH_CHECKING, 1 ms resolution)", own, "ms", "p50 ≤ 10 ms, p99 ≤ 50 ms", loads));

            for (int i = 0; i < 5; i++) {
                client.deploy("name: listed-" + i + "\ncommand: [sleep, '600']\n", Duration.ofSeconds(30));
            }
            for (int i = 0; i < 3; i++) {
                ps(dir);
            }
            load = loadAverage();
            List<Double> psMs = new ArrayList<>();
            for (int i = 0; i < psRuns; i++) {
                psMs.add(ps(dir));
            }
            out.add(new Result("(iv) `./era ps` wall time, JVM start included, 5 deployments", psMs, "ms",
                    "p50 ≤ 150 ms", load + " / " + loadAverage()));
        } finally {
            removeAll(client);
            d.stop();
        }
        return out;
    }

    private Result recovery(int runs) throws Exception {
        Path dir = work.resolve("recovery");
        Daemon d = spawn(dir, true);
        EraClient client = EraClient.unix(dir.resolve("era.sock"));
        Map<String, Long> pids = new LinkedHashMap<>();
        List<Double> ms = new ArrayList<>();
        String load = loadAverage();
        try {
            for (int i = 0; i < 20; i++) {
                Deployment x = client.deploy("name: app-" + i + "\ncommand: [sleep, '3600']\n", Duration.ofSeconds(30));
                pids.put(x.name(), x.pid());
            }
            for (int r = 0; r < runs; r++) {
                d.process.destroyForcibly().waitFor();
                long t0 = System.nanoTime();
                d = spawn(dir, true);
                List<Deployment> all = client.list();
                double took = (System.nanoTime() - t0) / 1e6;
                for (Deployment x : all) {
                    if (!x.state().equals("RUNNING") || x.pid() != pids.get(x.name())) {
                        throw new IllegalStateException("after kill -9: " + x.name() + " is " + x.state() + " pid "
                                + x.pid() + ", was " + pids.get(x.name()));
                    }
                }
                if (all.size() != 20) {
                    throw new IllegalStateException("after kill -9: " + all.size() + " deployments, not 20");
                }
                ms.add(took);
            }
            load = load + " / " + loadAverage();
        } finally {
            removeAll(client);
            d.stop();
        }
        return new Result("(v) kill -9 with 20 apps → `./era serve` → /health 200, all 20 RUNNING, same pids", ms, "ms",
                "≤ 1 s", load);
    }

    private List<Result> agents(int messages) throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(era.getParent().resolve("era-agents-examples").resolve("target"))) {
            jar = files.filter(f -> f.getFileName().toString().matches("era-agents-examples-.*\\.jar")
                    && !f.getFileName().toString().endsWith("-sources.jar")).findFirst().orElseThrow(() ->
                    new IllegalStateException("no era-agents-examples jar; build it with ./mvnw -pl era-agents-examples -am install"));
        }
        Path dir = work.resolve("agents");
        Daemon d = spawn(dir, true, NO_POOL);
        List<Result> out = new ArrayList<>();
        EraClient client = EraClient.unix(dir.resolve("era.sock"));
        try {
            Deployment x = client.deploy("name: examples\nengine: agents\nartifact: " + jar.toAbsolutePath() + "\n",
                    Duration.ofSeconds(60));
            if (!x.state().equals("RUNNING")) {
                throw new IllegalStateException("the agent package is " + x.state() + ": " + x.message());
            }
            String key = client.createKey("default", "bench").secret();
            int port = tcpPort();
            int warmup = Math.max(2_000, messages / 4);
            try (AgentRoundTrip tcp = AgentRoundTrip.tcp(port, key);
                 AgentRoundTrip unix = AgentRoundTrip.unix(dir.resolve("era.sock"))) {
                for (String[] m : new String[][] {{"get", "warm tick, no commit"}, {"inc", "durable tick, reply after commit"}}) {
                    String load = loadAverage();
                    List<Double> t = tcp.measure("/agents/counter/bench-tcp/messages", m[0], warmup, messages);
                    out.add(new Result("(vi) POST /agents/counter/{id}/messages `" + m[0] + "` (" + m[1]
                            + "), TCP + API key, keep-alive", t, "ms", "p50 ≤ 1 ms", load + " / " + loadAverage()));
                    load = loadAverage();
                    List<Double> u = unix.measure("/agents/counter/bench-unix/messages", m[0], warmup, messages);
                    out.add(new Result("(vi) the same `" + m[0] + "` over the Unix socket", u, "ms", "p50 ≤ 1 ms",
                            load + " / " + loadAverage()));
                }
            }
        } finally {
            removeAll(client);
            d.stop();
        }
        return out;
    }

    /** The daemon listens on a port of its choosing (--listen 127.0.0.1:0); its log says which. */
    private int tcpPort() throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("tcp [^,]*:(\\d+), data ")
                .matcher(Files.readString(work.resolve("daemon.log")));
        int port = -1;
        while (m.find()) {
            port = Integer.parseInt(m.group(1));
        }
        if (port < 0) {
            throw new IllegalStateException("no 'ERA ready ... tcp' line in " + work.resolve("daemon.log"));
        }
        return port;
    }

    /** Best effort, also after a failure: the apps must not outlive the benchmark. */
    private static void removeAll(EraClient client) {
        try {
            for (Deployment x : client.list()) {
                client.delete(x.id(), Duration.ofSeconds(30));
            }
        } catch (RuntimeException e) {
            System.err.println("could not remove every deployment: " + e.getMessage());
        }
    }

    /**
     * Only the POST with its wait is timed; the removal is not. Returns that time, and that time
     * minus the engine's start of the process: from the ACTIVATING event to the HEALTH_CHECKING
     * event (fork/exec of the wrapper chain, joining the cgroups, exec of the app).
     */
    private static double[] deployOnce(EraClient client, String name) {
        String spec = "name: " + name + "\ncommand: [sleep, '600']\nrestart: {policy: never}\n";
        long head = client.eventHead();
        long t0 = System.nanoTime();
        Deployment d = client.deploy(spec, Duration.ofSeconds(30));
        double ms = (System.nanoTime() - t0) / 1e6;
        if (!d.state().equals("RUNNING")) {
            throw new IllegalStateException(name + " is " + d.state() + ": " + d.message());
        }
        Instant activating = null;
        Instant checking = null;
        for (Event e : client.events(head, 100, d.id()).events()) {
            if (e.state().equals("ACTIVATING") && activating == null) {
                activating = e.at();
            } else if (e.state().equals("HEALTH_CHECKING") && checking == null) {
                checking = e.at();
            }
        }
        double engine = activating == null || checking == null ? 0 : Duration.between(activating, checking).toNanos() / 1e6;
        client.delete(d.id(), Duration.ofSeconds(30));
        return new double[]{ms, Math.max(0, ms - engine)};
    }

    private double ps(Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(era.toString(), "--data-dir", dir.toString(), "ps")
                .redirectError(ProcessBuilder.Redirect.INHERIT).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ERA_NO_BUILD", "1");
        long t0 = System.nanoTime();
        Process p = pb.start();
        int exit = p.waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (exit != 0) {
            throw new IllegalStateException("era ps exited with " + exit);
        }
        return ms;
    }

    /** A daemon started through the launcher, ready once /health answered. */
    private record Daemon(Process process, double readyMillis) {
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private Daemon spawn(Path dataDir, boolean noBuild) throws IOException, InterruptedException {
        return spawn(dataDir, noBuild, Map.of());
    }

    private Daemon spawn(Path dataDir, boolean noBuild, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(era.toString(), "serve", "--data-dir", dataDir.toString(),
                "--listen", "127.0.0.1:0")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(work.resolve("daemon.log").toFile());
        if (noBuild) {
            pb.environment().put("ERA_NO_BUILD", "1");
        }
        pb.environment().putAll(env);
        EraClient client = EraClient.unix(dataDir.resolve("era.sock"));
        long t0 = System.nanoTime();
        Process p = pb.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(noBuild ? 60 : 900);
        while (true) {
            if (Files.exists(dataDir.resolve("era.sock"))) {
                try {
                    if (client.health().equals("ok")) {
                        return new Daemon(p, (System.nanoTime() - t0) / 1e6);
                    }
                } catch (DaemonUnavailableException e) {
                    // the socket file is there, the listener not yet
                }
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("the daemon did not answer /health; see " + work.resolve("daemon.log")
                        + ":\n" + Files.readString(work.resolve("daemon.log")));
            }
            Thread.sleep(2);
        }
    }

    private static long vmRssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    record Result(String name, List<Double> values, String unit, String target, String load) {
        String row() {
            List<Double> s = values.stream().sorted().toList();
            return "| %s | %d | %s | %s | %s | %s | %s | %s |".formatted(name, s.size(), fmt(percentile(s, 50)),
                    fmt(percentile(s, 99)), fmt(s.getFirst()), fmt(s.getLast()), target, load);
        }

        private String fmt(double v) {
            return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : "%.0f %s", v, unit);
        }

        /** Nearest rank: the smallest value with at least p% of the values at or below it. */
        static double percentile(List<Double> sorted, int p) {
            int rank = (int) Math.ceil(p / 100.0 * sorted.size());
            return sorted.get(Math.max(0, rank - 1));
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

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
