package dev.era.engine.oci;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.Isolation;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Containers outlive a daemon killed with SIGKILL; a new daemon's engine finds them through runc's state. */
class OciDaemonRestartTest {
    @TempDir
    static Path shared;
    @TempDir
    Path data;
    static TestRegistry registry;
    static String image;
    private final OciEngine engine = new OciEngine();
    private final List<EngineHandle> started = new ArrayList<>();

    @BeforeAll
    static void pushImage() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        image = TestImages.pushTwoLayers(registry, shared, "busybox:1", List.of("sh"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    @AfterEach
    void stopWork() {
        started.forEach(h -> engine.stop(h, Duration.ZERO));
    }

    /** A workload laid out as the core's Layout does, under {@code <data>/deployments/<id>}. */
    static Workload workload(Path data, String id, AppSpec spec) {
        Path base = data.resolve("deployments").resolve(id);
        return new Workload(new DeploymentId(id), 1, spec, base.resolve("v1"), base.resolve("volumes"), base.resolve("run"),
                base.resolve("logs").resolve("output.log"));
    }

    @Test
    void aSandboxSurvivesTheDeathOfTheJvmThatStartedItAndTakesExecsAfterRecovery() throws Exception {
        String id = DeploymentId.random().value();
        EngineHandle handle = startInAJvmThenKillIt(id, "sleep", "300");
        Workload w = workload(data, id, TestSpec.builder("oci").artifact(image).isolation(Isolation.SANDBOX).command("sleep", "300").build());

        assertThat(engine.recover(handle, w, new ExitRecorder())).contains(handle);
        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Running.class);
        assertThat(ExecResult.run(engine, handle, Duration.ofSeconds(10), "/bin/sh", "-c", "echo alive; ls /workspace").stdout())
                .isEqualTo("alive\n");
        assertThat(data.resolve("images/blobs/sha256")).isDirectory();
    }

    @Test
    void theExitCodeIsRecordedWhileNoDaemonRuns() throws Exception {
        String id = DeploymentId.random().value();
        EngineHandle handle = startInAJvmThenKillIt(id, "/bin/sh", "-c", "sleep 1; exit 7");
        Workload w = workload(data, id, TestSpec.builder("oci").artifact(image).isolation(Isolation.SANDBOX)
                .command("/bin/sh", "-c", "sleep 1; exit 7").build());
        ExitRecorder onExit = new ExitRecorder();

        assertThat(engine.recover(handle, w, onExit)).isPresent();

        assertThat(onExit.await(Duration.ofSeconds(10)).exitCode()).isEqualTo(7);
        assertThat(engine.status(handle)).isInstanceOfSatisfying(AppStatus.Exited.class, e -> assertThat(e.exitCode()).isEqualTo(7));
        assertThat(new OciEngine().recover(handle, w, new ExitRecorder())).isEmpty();
    }

    private EngineHandle startInAJvmThenKillIt(String id, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), DaemonStandIn.class.getName(), data.toString(), id, image));
        cmd.addAll(List.of(command));
        Process daemon = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertThat(line).as("handle printed by the stand-in daemon").isNotNull();
            EngineHandle handle = new EngineHandle("oci", Base64.getDecoder().decode(line));
            started.add(handle);
            return handle;
        } finally {
            daemon.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
