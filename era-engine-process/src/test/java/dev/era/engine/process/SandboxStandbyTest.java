package dev.era.engine.process;

import dev.era.api.EngineHandle;
import dev.era.api.Isolation;
import dev.era.api.Resources;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Sandbox starts that take over a standby wrapper ({@link StandbyStarts}) on cgroup v1. */
class SandboxStandbyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private ProcessEngine engine;
    private final List<EngineHandle> started = new ArrayList<>();
    private int workloads;

    @BeforeEach
    void engineWithOneStandby() {
        Cgroups cgroups = Cgroups.detect();
        assumeTrue(cgroups instanceof CgroupV1, "standby starts are for cgroup v1 hosts; this one has " + cgroups.describe());
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("ERA_SANDBOX_STANDBY", "1");
        engine = new ProcessEngine(env, cgroups, Clock.systemUTC());
        assumeTrue(engine.capabilities().contains(dev.era.api.Capability.SANDBOX), "no sandboxes on this host");
    }

    @AfterEach
    void stopSandboxes() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    @Test
    void aStartTakesOverAStandbyUnderItsOwnCgroupNamesWithItsOwnLimits() throws Exception {
        start(workload(sandbox())); // cold: no standby yet, one is made for the next start
        StandbyStarts.Standby parked = awaitStandby();

        Workload w = workload(sandbox().resources(new Resources(0.5, 64L << 20, 100)));
        EngineHandle h = start(w);

        WorkRef ref = WorkRef.decode(h);
        assertThat(ref.pid()).isEqualTo(parked.process().pid());
        assertThat(parked.cgroup().dirs()).noneMatch(Files::exists);
        assertThat(ref.cgroupDirs()).hasSize(parked.cgroup().dirs().size())
                .allMatch(d -> d.getFileName().toString().startsWith(w.id().value() + "-v" + w.version() + "-"));
        for (Path d : ref.cgroupDirs()) {
            if (Files.exists(d.resolve("memory.limit_in_bytes"))) {
                assertThat(Files.readString(d.resolve("memory.limit_in_bytes")).strip()).isEqualTo(Long.toString(64L << 20));
            }
            if (Files.exists(d.resolve("pids.max"))) {
                assertThat(Files.readString(d.resolve("pids.max")).strip()).isEqualTo("100");
            }
        }
        assertThat(new Cgroup(ref.cgroupDirs()).members()).contains(ref.initPid());
        ExecResult r = ExecResult.run(engine, h, TIMEOUT, "/bin/sh", "-c", "id -u; echo $ERA_DEPLOYMENT_ID; pwd");
        assertThat(r.stdout()).isEqualTo("1000\n" + w.id().value() + "\n/workspace\n");
    }

    @Test
    void theCommandReachesTheSandboxByteForByteThroughTheGoFile() throws Exception {
        start(workload(sandbox()));
        awaitStandby();
        String nasty = "it's \"$(touch /tmp/pwned)\" `id` ${HOME}\nline two \\ '' ; & | > <";

        Workload w = workload(sandbox("/bin/sh", "-c", "printf '%s' \"$1\" > /workspace/out; sleep 60", "sh", nasty));
        start(w);

        Path out = w.volumesDir().resolve("workspace").resolve("out");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!(Files.exists(out) && Files.size(out) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Files.readString(out)).isEqualTo(nasty);
        // the go file is sourced by root's shell on the host: nothing of the command may run there
        assertThat(Path.of("/tmp/pwned")).doesNotExist();
        assertThat(w.volumesDir().resolve("tmp").resolve("pwned")).doesNotExist();
    }

    @Test
    void anUnclaimedStandbyEndsAndRemovesItsCgroupsWhenItsStdinCloses() throws Exception {
        start(workload(sandbox()));
        StandbyStarts.Standby parked = awaitStandby();
        assertThat(parked.cgroup().dirs()).allMatch(Files::isDirectory);

        StandbyStarts.discard(parked);

        assertThat(parked.process().waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(parked.cgroup().dirs()).noneMatch(Files::exists);
        assertThat(parked.goFile()).doesNotExist();
    }

    @Test
    void goFilesOfKilledWrappersAreRemovedAndThoseOfRunningSandboxesKept() throws Exception {
        start(workload(sandbox()));
        StandbyStarts.Standby parked = awaitStandby();
        start(workload(sandbox())); // takes the standby: its go file now belongs to a running sandbox
        Path stale = parked.goFile().resolveSibling("stale-" + System.nanoTime() + ".go");
        Files.writeString(stale, "exit_file='/nowhere'\n");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(Duration.ofMinutes(5)));
        Files.setLastModifiedTime(stale, old);
        Files.setLastModifiedTime(parked.goFile(), old);

        engine.standbys().removeStaleGoFiles();

        assertThat(stale).doesNotExist();
        assertThat(parked.goFile()).exists();
    }

    private StandbyStarts.Standby awaitStandby() throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (engine.standbys().ready().isEmpty()) {
            assertThat(System.nanoTime()).as("a standby within " + TIMEOUT).isLessThan(deadline);
            Thread.sleep(10);
        }
        StandbyStarts.Standby s = engine.standbys().ready().getFirst();
        // parked means the child is in every group and waits for its start
        while (s.cgroup().procsFiles().stream().anyMatch(SandboxStandbyTest::empty)) {
            assertThat(System.nanoTime()).as("the standby joins its groups within " + TIMEOUT).isLessThan(deadline);
            Thread.sleep(10);
        }
        return s;
    }

    private static boolean empty(Path procs) {
        try {
            return Files.readAllBytes(procs).length == 0;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    private static TestSpec sandbox(String... command) {
        return TestSpec.builder("process").isolation(Isolation.SANDBOX).command(command);
    }

    private Workload workload(TestSpec spec) {
        return Workloads.of(dir.resolve("w" + (++workloads)), spec.build());
    }

    private EngineHandle start(Workload w) {
        engine.validate(w.spec());
        engine.install(w);
        EngineHandle h = engine.start(w, new ExitRecorder());
        started.add(h);
        return h;
    }
}
