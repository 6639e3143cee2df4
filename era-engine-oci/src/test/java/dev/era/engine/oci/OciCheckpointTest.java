package dev.era.engine.oci;

import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.Isolation;
import dev.era.api.Workload;
import dev.era.testing.ExecResult;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CRIU checkpoint and restore through runc. Whether CRIU works is the host's business (on this
 * project's CI machine {@code criu check} fails on the kernel's vDSO), so the test asks
 * {@code criu check} itself and proves what the engine must do either way: with CRIU, the work
 * comes back with the memory it had; without, the engine says why, does not claim the capability,
 * and leaves the work running.
 */
class OciCheckpointTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    @TempDir
    static Path shared;
    @TempDir
    Path dir;
    static TestRegistry registry;
    static String image;
    OciEngine engine;
    Workload w;
    EngineHandle handle;
    ExitRecorder exits;

    @BeforeAll
    static void pushImage() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        image = TestImages.pushTwoLayers(registry, shared, "busybox:1", List.of("sh"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    @BeforeEach
    void start() {
        engine = OciEngineConformanceTest.engine(shared);
        // a value only the running shell's memory holds, written out every 100 ms
        w = new Workload(DeploymentId.random(), 1, TestSpec.builder("oci").artifact(image).isolation(Isolation.SANDBOX)
                .command("/bin/sh", "-c", "x=$$-$RANDOM; while :; do echo $x > /tmp/memory; sleep 0.1; done").build(),
                dir.resolve("install"), dir.resolve("volumes"), dir.resolve("run"), dir.resolve("logs/app.log"));
        engine.fetch(w);
        engine.install(w);
        exits = new ExitRecorder();
        handle = engine.start(w, exits);
    }

    @AfterEach
    void stop() {
        engine.stop(handle, Duration.ZERO);
    }

    @Test
    void checkpointAndRestoreKeepTheMemoryWhereCriuWorksAndAreRefusedWithTheReasonWhereItDoesNot() throws Exception {
        String before = remembered();
        Optional<String> hostProblem = criuCheck();

        if (hostProblem.isPresent()) {
            assertThat(engine.checkpointProblem()).as("the engine reports what criu check says").isPresent()
                    .get().asString().contains("criu check").contains(hostProblem.get());
            assertThat(engine.capabilities()).doesNotContain(Capability.CHECKPOINT);
            assertThatThrownBy(() -> engine.checkpoint(handle)).isInstanceOf(EngineException.class)
                    .hasMessageContaining("CRIU does not work on this host").hasMessageContaining(hostProblem.get());
            assertThat(engine.checkpointed(handle)).isFalse();
            assertThat(engine.status(handle)).as("a refused checkpoint leaves the work running").isInstanceOf(AppStatus.Running.class);
            assertThat(remembered()).isEqualTo(before);
            assertThat(exits.exits()).isEmpty();
            return;
        }

        assertThat(engine.checkpointProblem()).isEmpty();
        engine.checkpoint(handle);
        assertThat(engine.checkpointed(handle)).isTrue();
        assertThat(engine.status(handle)).isNotInstanceOf(AppStatus.Running.class);

        handle = engine.restore(handle, w, exits);
        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Running.class);
        assertThat(engine.checkpointed(handle)).as("the checkpoint is used up").isFalse();
        assertThat(remembered()).as("the same shell, with the same memory, runs on").isEqualTo(before);
        assertThat(exits.exits()).as("a checkpoint is no exit").isEmpty();
    }

    @Test
    void restoringWithoutACheckpointSaysToStartInstead() {
        assertThatThrownBy(() -> engine.restore(handle, w, exits)).isInstanceOf(EngineException.class)
                .hasMessageContaining("no checkpoint").hasMessageContaining("start it instead");
        assertThat(engine.status(handle)).isInstanceOf(AppStatus.Running.class);
    }

    @Test
    void criusFirstErrorLineIsTheReason() {
        String output = """
                Warn  (criu/kerndat.c:1103): CRIU was built without libnftables support
                Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds
                Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.
                """;
        assertThat(CriuProbe.reason(output, 1))
                .isEqualTo("'criu check' failed (exit 1): vdso: Unexpected rt vDSO area bounds");
        assertThat(new CriuProbe(List.of("/nonexistent/criu", "check")).problem()).get().asString()
                .contains("criu is not installed");
    }

    /** The running shell's value, waiting until it has written it at least once. */
    private String remembered() {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            ExecResult r = ExecResult.run(engine, handle, TIMEOUT, "/bin/cat", "/tmp/memory");
            if (r.exitCode() == 0 && !r.stdout().isBlank()) {
                return r.stdout().strip();
            }
            assertThat(System.nanoTime() - deadline).as("the shell never wrote /tmp/memory").isNegative();
        }
    }

    /** What {@code criu check} says on this host, asked independently of the engine. */
    private static Optional<String> criuCheck() throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("criu", "check").redirectErrorStream(true).start();
        } catch (IOException e) {
            return Optional.of("criu is not installed");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() == 0) {
            return Optional.empty();
        }
        return Optional.of(out.lines().filter(l -> l.startsWith("Error")).findFirst()
                .map(l -> l.replaceFirst("^Error \\([^)]*\\):\\s*", "").strip()).orElse(out.strip()));
    }
}
