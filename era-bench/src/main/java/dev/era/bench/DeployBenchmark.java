package dev.era.bench;

import dev.era.api.AppSpec;
import dev.era.core.Caller;
import dev.era.core.Deployment;
import dev.era.core.LifecycleState;
import dev.era.core.RuntimeManager;
import dev.era.core.Scheduler;
import dev.era.core.SpecCodec;
import dev.era.store.sqlite.SqliteStateStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Deploy → RUNNING in process, with the real SQLite store and the real process engine: every
 * lifecycle transition journaled, a real fork/exec of a trivial process ({@code sleep}), no health
 * probe (so the app's own start-up is not measured). The deployment is removed after each
 * invocation, outside the measured time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgs = {"-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"})
public class DeployBenchmark {
    private Path dir;
    private SqliteStateStore store;
    private Scheduler scheduler;
    private RuntimeManager manager;
    private int n;
    private String current;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("era-bench-deploy");
        store = SqliteStateStore.open(dir.resolve("era.db"));
        scheduler = Scheduler.system();
        manager = RuntimeManager.start(store, RuntimeManager.loadEngines(), dir, Clock.systemUTC(), scheduler,
                Duration.ofMillis(250));
    }

    @Setup(Level.Invocation)
    public void name() {
        current = "bench-" + (n++);
    }

    @Benchmark
    public Deployment deployToRunning() {
        AppSpec spec = SpecCodec.parse("name: " + current + "\ncommand: [sleep, '600']\nrestart: {policy: never}\n");
        Deployment d = manager.deploy(Caller.ADMIN, spec);
        Deployment settled = manager.await(Caller.ADMIN, d.id().value(), Duration.ofSeconds(10));
        if (settled.state() != LifecycleState.RUNNING) {
            throw new IllegalStateException("did not reach RUNNING: " + settled.state() + " " + settled.message());
        }
        return settled;
    }

    @TearDown(Level.Invocation)
    public void remove() {
        manager.delete(Caller.ADMIN, current);
        manager.await(Caller.ADMIN, current, Duration.ofSeconds(10));
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        manager.close();
        scheduler.close();
        store.close();
    }
}
