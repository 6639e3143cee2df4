package dev.era.engine.oci;

import dev.era.api.AppSpec;
import dev.era.api.Isolation;
import dev.era.api.RuntimePlugin;
import dev.era.testing.SandboxConformance;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The engine and sandbox harnesses with every container a sandbox on a busybox image from a local registry. */
class OciSandboxConformanceTest extends SandboxConformance {
    @TempDir
    static Path shared;
    static TestRegistry registry;
    static String image;

    @BeforeAll
    static void pushImage() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        image = TestImages.pushTwoLayers(registry, shared, "sandbox:1", List.of("sh"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    @Override
    protected RuntimePlugin newEngine() {
        return OciEngineConformanceTest.engine(shared);
    }

    @Override
    protected Duration timeout() {
        return Duration.ofSeconds(10);
    }

    @Override
    protected AppSpec longRunningSpec() {
        return TestSpec.builder("oci").artifact(image).isolation(Isolation.SANDBOX).command("sleep", "300").build();
    }

    @Override
    protected AppSpec exitingSpec(int exitCode) {
        return TestSpec.builder("oci").artifact(image).isolation(Isolation.SANDBOX).command("/bin/sh", "-c", "exit " + exitCode).build();
    }
}
