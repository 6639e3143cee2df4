package dev.era.bench.agents;

import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Latency of one tick seen by an in-process caller ({@code send(...).join()}), with the real
 * SQLite store:
 * <ul>
 * <li>{@code warmTick}: the agent is in memory and the tick changes nothing, so nothing commits
 *     (target p50 ≤ 20 µs);</li>
 * <li>{@code coldWake}: every tick goes to a hibernated agent, one of 100,000 stored, so it loads
 *     the state and alarms from SQLite, decodes them and makes the agent (target p50 ≤ 1 ms).</li>
 * </ul>
 * Run: {@code java -cp 'era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*'
 * org.openjdk.jmh.Main AgentTickBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class AgentTickBenchmark {
    static final int STORED = 100_000;

    private Path dir;
    private AgentRuntime agents;
    private int next;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("era-bench-agents");
        agents = EraAgents.local(dir.resolve("agents.db")).register("bench", BenchAgent::new).start();
        List<CompletableFuture<?>> batch = new ArrayList<>();
        for (int i = 0; i < STORED; i++) {
            batch.add(agents.send("bench", "a" + i, "inc"));
            if (batch.size() == 2_000) {
                batch.forEach(CompletableFuture::join);
                batch.clear();
            }
        }
        batch.forEach(CompletableFuture::join);
        for (int i = 0; i < STORED; i++) {
            agents.send("bench", "a" + i, "cold").join(); // hibernate them all
        }
        agents.send("bench", "warm", "inc").join();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        agents.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    public Object warmTick() {
        return agents.send("bench", "warm", "get").join();
    }

    @Benchmark
    public Object coldWake() {
        next = (next + 7919) % STORED; // a prime stride: consecutive wakes touch distant pages
        return agents.send("bench", "a" + next, "cold").join();
    }
}
