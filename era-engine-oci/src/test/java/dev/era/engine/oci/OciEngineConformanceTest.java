package dev.era.engine.oci;

import dev.era.api.AppSpec;
import dev.era.api.RuntimePlugin;
import dev.era.testing.EngineConformance;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The engine harness on a busybox image pulled from a local docker-registry; every engine instance shares one image store. */
class OciEngineConformanceTest extends EngineConformance {
    @TempDir
    static Path shared;
    static TestRegistry registry;
    static String image;

    @BeforeAll
    static void pushImage() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        image = TestImages.pushTwoLayers(registry, shared, "busybox:1", List.of("sh"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    static OciEngine engine(Path shared) {
        return new OciEngine(Optional.of(shared.resolve("images")), new RegistryClient(Map.of()),
                new Runc("runc", shared.resolve("runc")), Clock.systemUTC());
    }

    @Override
    protected RuntimePlugin newEngine() {
        return engine(shared);
    }

    @Override
    protected Duration timeout() {
        return Duration.ofSeconds(10); // the two cores are shared with other builds
    }

    @Override
    protected AppSpec longRunningSpec() {
        return TestSpec.builder("oci").artifact(image).command("sleep", "300").build();
    }

    @Override
    protected AppSpec exitingSpec(int exitCode) {
        return TestSpec.builder("oci").artifact(image).command("/bin/sh", "-c", "exit " + exitCode).build();
    }
}
