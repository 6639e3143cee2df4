package dev.era.engine.process;

import dev.era.api.AppStatus;
import dev.era.api.EngineHandle;
import dev.era.api.Resources;
import dev.era.api.Workload;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Limits are enforced by the kernel, on this host's cgroups. */
class ProcessEngineLimitsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final ProcessEngine engine = new ProcessEngine();
    private final List<EngineHandle> started = new ArrayList<>();

    @AfterEach
    void stopWork() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    private EngineHandle start(Workload w, ExitRecorder onExit) {
        engine.validate(w.spec());
        engine.install(w);
        EngineHandle handle = engine.start(w, onExit);
        started.add(handle);
        return handle;
    }

    @Test
    void aMemoryHogIsKilledForRunningOutOfMemory() {
        Workload w = Workloads.of(dir, TestSpec.builder("process")
                .command("perl", "-e", "my $x = 'a' x (512 * 1024 * 1024); print 'survived'")
                .resources(new Resources(0, 32L << 20, 0)).build());
        ExitRecorder onExit = new ExitRecorder();

        EngineHandle handle = start(w, onExit);

        AppStatus.Exited exit = onExit.await(TIMEOUT);
        assertThat(exit.reason()).isEqualTo("out of memory");
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(engine.status(handle)).isInstanceOfSatisfying(AppStatus.Exited.class,
                e -> assertThat(e.reason()).isEqualTo("out of memory"));
        assertThat(Workloads.log(w)).doesNotContain("survived");
    }

    @Test
    void aForkBombHitsThePidsLimit() {
        // bounded, so that a broken limit cannot take the shared host down
        Workload w = Workloads.of(dir, TestSpec.builder("process")
                .command("/bin/sh", "-c", "i=0; while [ $i -lt 200 ]; do sleep 30 & echo forked; i=$((i+1)); done; wait")
                .resources(new Resources(0, 0, 8)).build());
        ExitRecorder onExit = new ExitRecorder();

        EngineHandle handle = start(w, onExit);

        AppStatus.Exited exit = onExit.await(TIMEOUT);
        assertThat(exit.exitCode()).isNotZero();
        String log = Workloads.log(w);
        assertThat(log.lines().filter("forked"::equals).count()).isLessThanOrEqualTo(7); // the shell is the 8th
        assertThat(log.lines()).anyMatch(line -> !line.equals("forked") && line.toLowerCase().contains("fork"));
        // what the bomb left behind in its cgroup went with it
        WorkRef ref = WorkRef.decode(handle);
        assertThat(new Cgroup(ref.cgroupDirs()).members()).isEmpty();
        assertThat(ref.cgroupDirs()).allSatisfy(d -> assertThat(d).doesNotExist());
    }

    @Test
    void limitsAreWrittenToTheWorksCgroupAndRemovedWithIt() throws IOException {
        Workload w = Workloads.of(dir, TestSpec.builder("process").command("sleep", "30")
                .resources(new Resources(0.5, 64L << 20, 50)).build());
        EngineHandle handle = start(w, new ExitRecorder());
        WorkRef ref = WorkRef.decode(handle);
        Cgroup cgroup = new Cgroup(ref.cgroupDirs());

        assertThat(cgroup.members()).hasSize(1);
        assertThat(limit(ref, "memory.limit_in_bytes", "memory.max")).isEqualTo(Long.toString(64L << 20));
        assertThat(limit(ref, "pids.max", "pids.max")).isEqualTo("50");
        assertThat(limit(ref, "cpu.cfs_quota_us", "cpu.max")).startsWith("50000");

        engine.stop(handle, Duration.ofSeconds(2));

        assertThat(ref.cgroupDirs()).allSatisfy(d -> assertThat(d).doesNotExist());
    }

    @Test
    void theLimitsInForceAreReadBackAndALimitChangedOutsideEraShows() throws IOException {
        Workload w = Workloads.of(dir, TestSpec.builder("process").command("sleep", "30")
                .resources(new Resources(0.5, 64L << 20, 50)).build());
        EngineHandle handle = start(w, new ExitRecorder());
        assertThat(engine.observedLimits(handle)).contains(new Resources(0.5, 64L << 20, 50));

        WorkRef ref = WorkRef.decode(handle);
        for (Path d : ref.cgroupDirs()) { // an operator lowers the memory limit by hand (v1 keeps it under memory+swap)
            for (String name : List.of("memory.limit_in_bytes", "memory.max")) {
                if (Files.exists(d.resolve(name))) {
                    Files.writeString(d.resolve(name), Long.toString(48L << 20));
                }
            }
        }

        assertThat(engine.observedLimits(handle)).contains(new Resources(0.5, 48L << 20, 50));
        engine.stop(handle, Duration.ofSeconds(2));
        assertThat(engine.observedLimits(handle)).as("ended work has no limits in force").isEmpty();
    }

    private static String limit(WorkRef ref, String v1, String v2) throws IOException {
        for (Path d : ref.cgroupDirs()) {
            for (String name : List.of(v1, v2)) {
                if (Files.exists(d.resolve(name))) {
                    return Files.readString(d.resolve(name)).strip();
                }
            }
        }
        throw new AssertionError("no " + v1 + " or " + v2 + " in " + ref.cgroupDirs());
    }
}
