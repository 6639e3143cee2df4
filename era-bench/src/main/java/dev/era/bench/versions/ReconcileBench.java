package dev.era.bench.versions;

import dev.era.core.Caller;
import dev.era.core.Deployment;
import dev.era.core.LifecycleState;
import dev.era.core.RuntimeManager;
import dev.era.core.Scheduler;
import dev.era.core.SpecCodec;
import dev.era.store.sqlite.SqliteStateStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Time to reconcile N running deployments after a daemon restart: N real processes ({@code sleep})
 * are deployed with the real SQLite store and process engine; then, R times, the runtime manager
 * is dropped as a kill -9 would drop it (the apps keep running) and a fresh JVM starts a runtime
 * manager on the same store, which loads the engines, reloads every deployment, reattaches every
 * process through the engine's {@code recover} and arms its checks before it returns. The time of
 * that start (not the JVM's own) is what is measured; the JVM then halts, as a killed daemon would.
 * <p>
 * {@code java -cp "$CP" dev.era.bench.versions.ReconcileBench [N=1000] [R=10]}
 */
public final class ReconcileBench {
    private ReconcileBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--restart")) {
            restart(Path.of(args[1]));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("era-bench-reconcile");
        Scheduler scheduler = Scheduler.system();
        SqliteStateStore store = SqliteStateStore.open(dir.resolve("era.db"));
        RuntimeManager manager = RuntimeManager.start(store, RuntimeManager.loadEngines(), dir, Clock.systemUTC(),
                scheduler, Duration.ofSeconds(5));
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            manager.deploy(Caller.ADMIN, SpecCodec.parse("name: r-" + i + "\ncommand: [sleep, '3600']\n"));
        }
        for (int i = 0; i < n; i++) {
            Deployment d = manager.await(Caller.ADMIN, "r-" + i, Duration.ofSeconds(120));
            if (d.state() != LifecycleState.RUNNING) {
                throw new IllegalStateException("r-" + i + " is " + d.state() + ": " + d.message());
            }
        }
        System.out.printf("deployed %d apps in %d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
        long[] ms = new long[rounds];
        try {
            manager.close(); // what a kill -9 leaves: the store and the running apps
            store.close();
            for (int r = 0; r < rounds; r++) {
                Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp",
                        System.getProperty("java.class.path"), ReconcileBench.class.getName(), "--restart",
                        dir.toString()).redirectErrorStream(true).start();
                String out = new String(child.getInputStream().readAllBytes());
                child.waitFor();
                String line = out.lines().filter(l -> l.startsWith("RECONCILED ")).findFirst().orElseThrow(() ->
                        new IllegalStateException("restart " + out));
                String[] f = line.split(" ");
                ms[r] = Long.parseLong(f[2]);
                if (Long.parseLong(f[1]) != n) {
                    throw new IllegalStateException("after restart only " + f[1] + " of " + n + " run");
                }
                System.out.printf("restart %d: %d deployments reconciled in %d ms%n", r, n, ms[r]);
            }
            store = SqliteStateStore.open(dir.resolve("era.db"));
            manager = RuntimeManager.start(store, RuntimeManager.loadEngines(), dir, Clock.systemUTC(), scheduler,
                    Duration.ofSeconds(5));
        } finally {
            List<String> names = new ArrayList<>();
            manager.list(Caller.ADMIN).forEach(d -> names.add(d.name()));
            for (String name : names) {
                manager.delete(Caller.ADMIN, name);
            }
            for (String name : names) {
                try {
                    manager.await(Caller.ADMIN, name, Duration.ofSeconds(30));
                } catch (dev.era.api.NotFoundException gone) {
                    // removed already
                }
            }
            manager.close();
            store.close();
            scheduler.close();
        }
        long[] sorted = ms.clone();
        java.util.Arrays.sort(sorted);
        Arrays.sort(sorted);
        System.out.printf("RESULT reconcile %d deployments after restart: median %d ms, p99 (max of %d) %d ms%n", n,
                sorted[sorted.length / 2], rounds, sorted[sorted.length - 1]);
    }

    /** One restart in this (fresh) JVM: prints "RECONCILED running ms", then halts as a killed daemon would. */
    private static void restart(Path dir) {
        SqliteStateStore store = SqliteStateStore.open(dir.resolve("era.db"));
        long start = System.nanoTime();
        RuntimeManager manager = RuntimeManager.start(store, RuntimeManager.loadEngines(), dir, Clock.systemUTC(),
                Scheduler.system(), Duration.ofSeconds(5));
        long ms = (System.nanoTime() - start) / 1_000_000;
        long running = manager.list(Caller.ADMIN).stream().filter(d -> d.state() == LifecycleState.RUNNING
                && d.pid() > 0).count();
        System.out.println("RECONCILED " + running + " " + ms);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
