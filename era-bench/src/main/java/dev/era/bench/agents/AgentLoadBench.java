package dev.era.bench.agents;

import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
import dev.era.agents.ManualTime;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load benchmarks that JMH does not fit (many agents, many callers, a latency distribution,
 * heap after GC). Run one at a time:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx2g -cp 'era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*' \
 *   dev.era.bench.agents.AgentLoadBench durable [64]|alarms|memory
 * </pre>
 * <ul>
 * <li>{@code durable [in-flight per caller, default 64]}: 10,000 agents, 4 caller threads, every tick
 *     changes state and its caller waits for the commit; throughput and latency over 10 s after a
 *     5 s warm-up (target ≥ 50,000/s, p99 ≤ 10 ms on 2 cores);</li>
 * <li>{@code alarms}: 100,000 alarms on 10,000 agents, due evenly over 20 s; lateness is the
 *     tick's start minus the due time (target p99 ≤ 10 ms);</li>
 * <li>{@code memory}: heap per idle active agent and per hibernated agent, 100,000 agents
 *     (targets ≤ 1 KB and 0).</li>
 * </ul>
 */
public final class AgentLoadBench {
    static final int AGENTS = 10_000;

    private AgentLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "durable";
        Path dir = Files.createTempDirectory("era-bench-agents");
        System.out.printf("%s: %d cores, load average %.2f, %s%n", which, Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), System.getProperty("java.version"));
        switch (which) {
            case "durable" -> durable(EraAgents.local(dir.resolve("agents.db")), args.length > 1 ? Integer.parseInt(args[1]) : 64);
            case "durable-postgres" -> {
                // the same load on PostgresAgentStore: a local PostgreSQL from zonky's binaries, fsync on
                try (var pg = dev.era.store.postgres.EmbeddedPostgres.start(true)) {
                    String db = pg.createDatabase();
                    durable(EraAgents.withStore(dev.era.store.postgres.PostgresAgentStore.open(
                            new dev.era.store.postgres.PostgresConfig(pg.jdbcUrl(db), "postgres", "", 8), java.time.Clock.systemUTC())),
                            args.length > 1 ? Integer.parseInt(args[1]) : 64);
                }
            }
            case "alarms" -> alarms(dir);
            case "memory" -> memory(dir);
            default -> throw new IllegalArgumentException("say durable, durable-postgres, alarms or memory");
        }
        System.out.printf("load average after: %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Microsecond buckets up to 1 s; enough resolution for p50 and p99 of ticks. */
    static final class Histogram {
        final AtomicLongArray buckets = new AtomicLongArray(1_000_001);
        final LongAdder count = new LongAdder();

        void record(long micros) {
            buckets.incrementAndGet((int) Math.min(Math.max(micros, 0), 1_000_000));
            count.increment();
        }

        long percentile(double p) {
            long target = (long) Math.ceil(count.sum() * p);
            long seen = 0;
            for (int i = 0; i < buckets.length(); i++) {
                seen += buckets.get(i);
                if (seen >= target && seen > 0) {
                    return i;
                }
            }
            return -1;
        }

        String summary() {
            return String.format("n=%,d p50=%,d µs p90=%,d µs p99=%,d µs p99.9=%,d µs max=%,d µs", count.sum(),
                    percentile(0.5), percentile(0.9), percentile(0.99), percentile(0.999), percentile(1.0));
        }
    }

    static void durable(EraAgents.Builder store, int inFlightPerCaller) throws Exception {
        EraAgents.Builder builder = store.register("bench", BenchAgent::new);
        if (Boolean.getBoolean("bench.forkjoin")) { // compare with platform threads instead of virtual ones
            builder.executor(new java.util.concurrent.ForkJoinPool(Runtime.getRuntime().availableProcessors()));
        }
        try (AgentRuntime agents = builder.start()) {
            run(agents, 5, new Histogram(), "warm-up", inFlightPerCaller);
            Histogram h = new Histogram();
            long done = run(agents, 10, h, "measured", inFlightPerCaller);
            System.out.printf("durable ticks, %d in flight: %,d in 10 s = %,d/s; %s; commits=%,d (ticks per commit %.1f)%n",
                    4 * inFlightPerCaller, done,
                    done / 10, h.summary(), agents.admin().stats().commits(),
                    (double) agents.admin().stats().writes() / agents.admin().stats().commits());
        }
    }

    private static long run(AgentRuntime agents, int seconds, Histogram h, String phase, int inFlightPerCaller)
            throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder completed = new LongAdder();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            callers.add(Thread.ofPlatform().start(() -> {
                Semaphore inFlight = new Semaphore(inFlightPerCaller);
                while (!stop.get()) {
                    inFlight.acquireUninterruptibly();
                    String id = "a" + ThreadLocalRandom.current().nextInt(AGENTS);
                    long t0 = System.nanoTime();
                    agents.send("bench", id, "inc").whenComplete((r, e) -> {
                        if (e == null) {
                            h.record((System.nanoTime() - t0) / 1_000);
                            completed.increment();
                        }
                        inFlight.release();
                    });
                }
                inFlight.acquireUninterruptibly(inFlightPerCaller);
            }));
        }
        Thread.sleep(seconds * 1_000L);
        stop.set(true);
        long done = completed.sum(); // completions inside the window
        for (Thread c : callers) {
            c.join();
        }
        System.out.printf("  %s: %,d ticks%n", phase, done);
        return done;
    }

    static void alarms(Path dir) throws Exception {
        int total = 100_000;
        Histogram h = new Histogram();
        BenchAgent.lateness = h::record;
        try (AgentRuntime agents = EraAgents.local(dir.resolve("agents.db")).register("bench", BenchAgent::new).start()) {
            long base = System.currentTimeMillis() + 10_000; // setting them all takes a few seconds
            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                long due = base + (i * 20_000L) / total; // evenly over 20 s
                batch.add(agents.send("bench", "a" + (i % AGENTS), "alarm " + due + " n" + i));
                if (batch.size() == 2_000) {
                    batch.forEach(CompletableFuture::join);
                    batch.clear();
                }
            }
            batch.forEach(CompletableFuture::join);
            long setIn = System.currentTimeMillis() - (base - 10_000);
            System.out.printf("  set %,d alarms in %,d ms%n", total, setIn);
            // Collect the set-up burst's garbage before the alarms fall due: otherwise its young-GC pause
            // (100-200 ms on a loaded 2-core machine) lands on the first alarms and measures the set-up.
            System.gc();
            long deadline = System.currentTimeMillis() + 60_000;
            while (h.count.sum() < total && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            System.out.printf("alarm lateness: %s%n", h.summary());
        }
    }

    static void memory(Path dir) throws Exception {
        int n = 100_000;
        // Manual time: the agents stay loaded while measured, then hibernate when time is moved.
        ManualTime time = new ManualTime(java.time.Instant.now());
        try (AgentRuntime agents = EraAgents.local(dir.resolve("agents.db")).register("bench", BenchAgent::new)
                .time(time).idleTimeout(Duration.ofMinutes(1)).maxActiveAgents(2 * n).start()) {
            for (int i = 0; i < 2_000; i++) {
                agents.send("bench", "warm" + i, "inc").join();
            }
            waitHibernated(agents, time);
            long baseline = heap();
            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(agents.send("bench", "a" + i, "inc"));
                if (batch.size() == 2_000) {
                    batch.forEach(CompletableFuture::join);
                    batch.clear();
                }
            }
            batch.forEach(CompletableFuture::join);
            batch.clear();
            long active = heap();
            int loaded = agents.admin().stats().loaded();
            waitHibernated(agents, time);
            long hibernated = heap();
            // A second, different 100,000: if hibernated agents kept anything, the heap would grow again.
            for (int i = 0; i < n; i++) {
                batch.add(agents.send("bench", "b" + i, "inc"));
                if (batch.size() == 2_000) {
                    batch.forEach(CompletableFuture::join);
                    batch.clear();
                }
            }
            batch.forEach(CompletableFuture::join);
            batch.clear();
            waitHibernated(agents, time);
            long twice = heap();
            System.out.printf("heap: baseline %,d B; %,d idle active agents +%,d B = %,d B each (state: a Long);"
                            + " after hibernation +%,d B; after hibernating another %,d agents +%,d B"
                            + " (so %d B per hibernated agent; the rest is fixed: the registry's table keeps its size)%n",
                    baseline, loaded, active - baseline, (active - baseline) / loaded, hibernated - baseline, n,
                    twice - baseline, Math.max(0, twice - hibernated) / n);
        }
    }

    private static void waitHibernated(AgentRuntime agents, ManualTime time) throws InterruptedException {
        time.advance(Duration.ofMinutes(2));
        while (agents.admin().stats().activations() > 0) {
            Thread.sleep(100);
        }
    }

    private static long heap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
