package dev.era.engine.oci;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.InvalidSpecException;
import dev.era.api.Isolation;
import dev.era.api.Resources;
import dev.era.api.Workload;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a container on an image gets: the image's command and environment, its confinement, its limits, its volumes. */
class OciEngineTest {
    @TempDir
    static Path shared;
    @TempDir
    Path dir;
    static TestRegistry registry;
    static String image;

    @BeforeAll
    static void pushImage() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        image = TestImages.pushTwoLayers(registry, shared, "greeter:1", List.of("sh", "-c", "echo from the image, FROM_IMAGE=$FROM_IMAGE"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    /** Runs {@code spec} to its end and returns what it printed. */
    private String run(AppSpec spec) throws Exception {
        OciEngine engine = OciEngineConformanceTest.engine(shared);
        Path root = dir.resolve("w");
        Workload w = new Workload(DeploymentId.random(), 1, spec, root.resolve("install"), root.resolve("volumes"),
                root.resolve("run"), root.resolve("logs/app.log"));
        engine.validate(spec);
        engine.fetch(w);
        engine.install(w);
        ExitRecorder onExit = new ExitRecorder();
        engine.start(w, onExit);
        assertThat(onExit.await(Duration.ofSeconds(10)).exitCode()).as("exit code; log: %s", Files.readString(w.logFile())).isZero();
        engine.delete(w);
        return Files.readString(w.logFile());
    }

    @Test
    void withoutACommandTheImagesCmdRunsWithTheImagesEnvironmentAndLogsItsOutput() throws Exception {
        assertThat(run(TestSpec.builder("oci").artifact(image).build())).isEqualTo("from the image, FROM_IMAGE=yes\n");
    }

    @Test
    void theContainerIsConfinedBySeccompCapabilitiesAndMaskedPaths() throws Exception {
        String out = run(TestSpec.builder("oci").artifact(image).command("sh", "-c",
                "grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/self/status; echo timer_list=$(cat /proc/timer_list | wc -c); "
                        + "echo x 2>/dev/null > /proc/sys/kernel/hostname || echo proc-sys-read-only; "
                        + "ls /data/keep; test -e /etc/gone.txt || echo whiteout-hides-gone; id -u").build());

        assertThat(out.lines()).containsExactly("CapEff:\t00000000a80425fb", "NoNewPrivs:\t1", "Seccomp:\t2", "timer_list=0",
                "proc-sys-read-only", "new.txt", "whiteout-hides-gone", "0");
    }

    @Test
    void limitsReachTheContainersCgroupAndANetworkOfNoneHasOnlyLoopback() throws Exception {
        String out = run(TestSpec.builder("oci").artifact(image)
                .resources(new Resources(0.5, 64L << 20, 64)).isolation(new Isolation(Isolation.Mode.NONE, Isolation.Network.NONE))
                .command("sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max "
                        + "/sys/fs/cgroup/cpu/cpu.cfs_quota_us; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '").build());

        assertThat(out.lines()).containsExactly(Long.toString(64L << 20), "64", "50000", "lo");
    }

    @Test
    void aVolumeIsAHostDirectoryOfTheDeployment() throws Exception {
        run(TestSpec.builder("oci").artifact(image).volume("data", "/var/data")
                .command("sh", "-c", "echo kept > /var/data/note").build());

        assertThat(dir.resolve("w/volumes/data/note")).hasContent("kept");
    }

    @Test
    void aStartFindsAndRemovesTheContainerOfAStartThatCrashedBeforeSavingItsState() throws Exception {
        OciEngine engine = OciEngineConformanceTest.engine(shared);
        Path root = dir.resolve("w");
        Workload w = new Workload(DeploymentId.random(), 1, TestSpec.builder("oci").artifact(image).command("sleep", "300").build(),
                root.resolve("install"), root.resolve("volumes"), root.resolve("run"), root.resolve("logs/app.log"));
        engine.fetch(w);
        EngineHandle lost = engine.start(w, new ExitRecorder());
        Files.delete(w.runDir().resolve("state"));

        EngineHandle fresh = engine.start(w, new ExitRecorder());
        try {
            assertThat(fresh).isNotEqualTo(lost);
            assertThat(engine.status(lost)).isNotInstanceOf(AppStatus.Running.class);
            assertThat(engine.status(fresh)).isInstanceOf(AppStatus.Running.class);
        } finally {
            engine.stop(fresh, Duration.ZERO);
            engine.stop(lost, Duration.ZERO);
        }
    }

    @Test
    void aMalformedImageReferenceIsRefusedNamingTheArtifactField() {
        OciEngine engine = OciEngineConformanceTest.engine(shared);

        assertThatThrownBy(() -> engine.validate(TestSpec.builder("oci").artifact("Bad Image!").build()))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("'artifact'").hasMessageContaining("Bad Image!");
    }
}
