package dev.era.bench;

import dev.era.core.Deployment;
import dev.era.core.LifecycleState;
import dev.era.core.spi.StateStore;
import dev.era.store.postgres.EmbeddedPostgres;
import dev.era.store.postgres.PostgresStateStore;
import dev.era.store.sqlite.SqliteStateStore;
import dev.era.testing.StoreFixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Durable writes of the two state stores side by side: {@code writers} threads each drive one
 * deployment through transitions (a row update plus an event, one transaction each, as the
 * lifecycle controller journals) for {@code seconds}; prints writes per second and the latency of
 * one write. SQLite on a file in a temp directory; PostgreSQL on a local server from zonky's
 * binaries, with fsync on (each commit waits for its WAL to reach the disk, unlike SQLite's
 * {@code synchronous=NORMAL}) and, for the split of the cost, off.
 * Usage: {@code StoreBench [--seconds 10] [--writers 1,8,32] [--skip-sqlite]}.
 */
public final class StoreBench {
    private StoreBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        boolean sqlite = true;
        List<Integer> writers = List.of(1, 8, 32);
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--skip-sqlite")) {
                sqlite = false;
                i--;
                continue;
            }
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--writers" -> writers = Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --seconds N --writers 1,8,32");
            }
        }
        System.out.println("| store | writers | writes | writes/s | p50 | p99 | max |");
        System.out.println("|---|---|---|---|---|---|---|");
        Path dir = Files.createTempDirectory("era-store-bench-");
        for (int w : sqlite ? writers : List.<Integer>of()) {
            Path file = dir.resolve("sqlite-" + w + ".db");
            report("SQLite (WAL, synchronous=NORMAL, group commit)", w, run(() -> SqliteStateStore.open(file), w, seconds));
        }
        for (boolean fsync : List.of(true, false)) {
            try (EmbeddedPostgres pg = EmbeddedPostgres.start(fsync)) {
                for (int w : writers) {
                    String db = pg.createDatabase();
                    report("PostgreSQL 18 (local, fsync " + (fsync ? "on" : "off") + ", pool " + Math.min(w, 32) + ")", w,
                            run(() -> PostgresStateStore.open(new dev.era.store.postgres.PostgresConfig(pg.jdbcUrl(db), "postgres",
                                    "", Math.min(w, 32))), w, seconds));
                }
            }
        }
    }

    private record Result(long writes, double seconds, long[] nanos) {}

    private static Result run(Supplier<StateStore> open, int writers, int seconds) throws Exception {
        try (StateStore store = open.get()) {
            Instant at = Instant.parse("2026-11-21T00:00:00Z");
            List<Deployment> ds = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                Deployment d = StoreFixtures.deployment("bench", "app-" + i, at);
                store.create(d, StoreFixtures.event(d, "created", "created"));
                ds.add(d);
            }
            warmUp(store, ds.getFirst());
            CountDownLatch go = new CountDownLatch(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Future<long[]>> jobs = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
                for (Deployment d : ds) {
                    jobs.add(pool.submit(() -> {
                        go.await();
                        long[] lat = new long[1 << 16];
                        int n = 0;
                        Deployment cur = d;
                        while (System.nanoTime() < deadline) {
                            LifecycleState next = cur.state() == LifecycleState.RUNNING ? LifecycleState.STOPPING : LifecycleState.RUNNING;
                            cur = cur.withState(next, "", at);
                            long t0 = System.nanoTime();
                            store.transition(cur, StoreFixtures.event(cur, "transition", "to " + next));
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = System.nanoTime() - t0;
                        }
                        return Arrays.copyOf(lat, n);
                    }));
                }
                long start = System.nanoTime();
                go.countDown();
                List<long[]> all = new ArrayList<>();
                for (Future<long[]> f : jobs) {
                    all.add(f.get());
                }
                double took = (System.nanoTime() - start) / 1e9;
                long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
                return new Result(merged.length, took, merged);
            }
        }
    }

    private static void warmUp(StateStore store, Deployment d) {
        Instant at = d.createdAt();
        Deployment cur = d;
        for (int i = 0; i < 500; i++) {
            cur = cur.withState(i % 2 == 0 ? LifecycleState.RUNNING : LifecycleState.STOPPING, "", at);
            store.transition(cur, StoreFixtures.event(cur, "warm-up", "warm-up"));
        }
    }

    private static void report(String store, int writers, Result r) {
        System.out.printf("| %s | %d | %d | %,.0f | %s | %s | %s |%n", store, writers, r.writes(), r.writes() / r.seconds(),
                ms(r.nanos()[(int) (r.nanos().length * 0.50)]), ms(r.nanos()[(int) Math.min(r.nanos().length - 1, r.nanos().length * 0.99)]),
                ms(r.nanos()[r.nanos().length - 1]));
        System.out.flush();
    }

    private static String ms(long nanos) {
        return String.format("%.2f ms", nanos / 1e6);
    }
}
