package dev.era.engine.process;

import dev.era.api.AppStatus;
import dev.era.api.EngineHandle;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;
import dev.era.api.Resources;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The kernel holds a sandbox to its limits, for its own command and for exec'd ones alike. */
class SandboxLimitsTest extends SandboxTestSupport {
    private static final String MEMORY_BOMB = "my $x = 'a' x (512 * 1024 * 1024); print \"survived\\n\"";

    @Test
    void aMemoryBombAsTheSandboxsCommandEndsItWithOutOfMemory() {
        Workload w = workload(sandbox("perl", "-e", MEMORY_BOMB).resources(new Resources(0, 32L << 20, 0)));
        ExitRecorder onExit = new ExitRecorder();

        EngineHandle h = start(w, onExit);

        AppStatus.Exited exit = onExit.await(TIMEOUT);
        assertThat(exit.reason()).isEqualTo("out of memory");
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(engine.status(h)).isInstanceOfSatisfying(AppStatus.Exited.class,
                e -> assertThat(e.reason()).isEqualTo("out of memory"));
        assertThat(Workloads.log(w)).doesNotContain("survived");
    }

    @Test
    void aMemoryBombInAnExecIsKilledAndTheSandboxGoesOn() {
        EngineHandle h = start(workload(sandbox().resources(new Resources(0, 48L << 20, 0))));

        ExecResult bomb = ExecResult.run(engine, h, TIMEOUT, "perl", "-e", MEMORY_BOMB);

        assertThat(bomb.exitCode()).isEqualTo(137);
        assertThat(bomb.stdout()).doesNotContain("survived");
        assertThat(engine.status(h)).isInstanceOf(AppStatus.Running.class);
        assertThat(sh(h, "echo still here").stdout()).isEqualTo("still here\n");
    }

    @Test
    void aForkBombIsHeldByThePidsLimitAndTheDaemonIsUnaffected() throws IOException, InterruptedException {
        int limit = 24;
        EngineHandle h = start(workload(sandbox().resources(new Resources(0, 0, limit))));
        Cgroup cgroup = new Cgroup(ref(h).cgroupDirs());

        // bounded (300 forks at most), so that a broken limit cannot take the shared host down
        ExecResult bomb = ExecResult.run(engine, h, TIMEOUT, "perl", "-e",
                "for (1 .. 300) { my $p = fork; if (!defined $p) { print \"fork failed: $!\\n\"; last } "
                        + "if ($p == 0) { close STDOUT; close STDERR; sleep 30; exit } } print \"done\\n\"");

        assertThat(bomb.stdout()).contains("fork failed: Resource temporarily unavailable");
        assertThat(cgroup.members()).hasSizeLessThanOrEqualTo(limit);
        Process daemonCanStillSpawn = new ProcessBuilder("true").start();
        assertThat(daemonCanStillSpawn.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(daemonCanStillSpawn.exitValue()).isZero();
    }

    @Test
    void everyExecRunsInsideTheSandboxsCgroups() throws Exception {
        EngineHandle h = start(workload(sandbox().resources(new Resources(0.5, 64L << 20, 50))));
        Cgroup cgroup = new Cgroup(ref(h).cgroupDirs());

        try (ExecProcess sleeper = engine.exec(h, ExecSpec.of("sleep", "30"))) {
            long pid = sleeper.pid();

            assertThat(pid).isNotEqualTo(0);
            assertThat(cgroup.members()).contains(pid, ref(h).initPid());
            for (Path dir : ref(h).cgroupDirs()) {
                assertThat(Files.readAllLines(dir.resolve("cgroup.procs"))).as(dir.toString())
                        .contains(Long.toString(pid));
            }
        }
    }
}
