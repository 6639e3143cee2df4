package dev.era.engine.process;

import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.Isolation;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The work outlives a daemon killed with SIGKILL, and a new daemon finds it again. */
class DaemonRestartTest {
    @TempDir
    Path dir;

    private final ProcessEngine engine = new ProcessEngine();
    private final List<EngineHandle> started = new ArrayList<>();

    @AfterEach
    void stopWork() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    @Test
    void workSurvivesTheDeathOfTheJvmThatStartedIt() throws Exception {
        DeploymentId id = DeploymentId.random();
        EngineHandle handle = startInAJvmThenKillIt(id, "process", "sleep", "300");
        Workload w = Workloads.of(dir, id, TestSpec.builder("process").command("sleep", "300").build());
        long pid = WorkRef.decode(handle).pid();

        Optional<EngineHandle> recovered = engine.recover(handle, w, new ExitRecorder());

        assertThat(recovered).contains(handle);
        assertThat(engine.status(handle)).isInstanceOfSatisfying(AppStatus.Running.class,
                running -> assertThat(running.pid()).isEqualTo(pid));
        assertThat(ProcStat.read(pid)).hasValueSatisfying(s -> assertThat(s.session()).isEqualTo(pid));
    }

    @Test
    void exitCodeIsRecordedWhileNoDaemonRuns() throws Exception {
        DeploymentId id = DeploymentId.random();
        EngineHandle handle = startInAJvmThenKillIt(id, "process", "/bin/sh", "-c", "sleep 1; exit 7");
        Workload w = Workloads.of(dir, id, TestSpec.builder("process").command("/bin/sh", "-c", "sleep 1; exit 7").build());
        ExitRecorder onExit = new ExitRecorder();

        assertThat(engine.recover(handle, w, onExit)).isPresent();

        AppStatus.Exited exit = onExit.await(Duration.ofSeconds(5));
        assertThat(exit.exitCode()).isEqualTo(7);
        assertThat(exit.reason()).isEqualTo("exited with code 7");
        assertThat(engine.status(handle)).isInstanceOfSatisfying(AppStatus.Exited.class,
                e -> assertThat(e.exitCode()).isEqualTo(7));
        assertThat(new ProcessEngine().recover(handle, w, new ExitRecorder())).isEmpty();
    }

    @Test
    void aSandboxSurvivesTheDeathOfTheJvmThatStartedItAndTakesExecsAfterRecovery() throws Exception {
        DeploymentId id = DeploymentId.random();
        EngineHandle handle = startInAJvmThenKillIt(id, "sandbox");
        Workload w = Workloads.of(dir, id, TestSpec.builder("process").isolation(Isolation.SANDBOX).build());
        WorkRef ref = WorkRef.decode(handle);

        Optional<EngineHandle> recovered = engine.recover(handle, w, new ExitRecorder());

        assertThat(recovered).contains(handle);
        assertThat(ref.initAlive()).isTrue();
        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Running.class);
        ExecResult r = ExecResult.run(engine, handle, Duration.ofSeconds(10), "/bin/sh", "-c", "id -un; cat /proc/self/status | grep Seccomp:");
        assertThat(r.stdout()).isEqualTo("user\nSeccomp:\t2\n");
    }

    private EngineHandle startInAJvmThenKillIt(DeploymentId id, String kind, String... command)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), DaemonStandIn.class.getName(), dir.toString(), id.value(), kind));
        cmd.addAll(List.of(command));
        Process daemon = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertThat(line).as("handle printed by the stand-in daemon").isNotNull();
            EngineHandle handle = new EngineHandle("process", Base64.getDecoder().decode(line));
            started.add(handle);
            return handle;
        } finally {
            daemon.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
