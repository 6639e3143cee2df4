package dev.era.engine.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * For other modules' tests (era-daemon's, through this module's test jar): a real docker-registry on
 * loopback, and small images built from busybox-static pushed to it.
 */
public final class RegistryFixture implements AutoCloseable {
    private final TestRegistry registry;
    private final Path work;

    private RegistryFixture(TestRegistry registry, Path work) {
        this.registry = registry;
        this.work = work;
    }

    /** Starts docker-registry with its storage under {@code dir}. */
    public static RegistryFixture start(Path dir) throws IOException, InterruptedException {
        return new RegistryFixture(TestRegistry.start(Files.createDirectories(dir.resolve("registry"))),
                Files.createDirectories(dir.resolve("layers")));
    }

    /** {@code 127.0.0.1:<port>}. */
    public String host() {
        return registry.host;
    }

    /**
     * Pushes a two-layer busybox image (a base with a whiteout-making top layer) as {@code repoAndTag}
     * (such as {@code tools/busybox:1}) running {@code cmd}; returns its manifest digest.
     */
    public String pushBusybox(String repoAndTag, String... cmd) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve(repoAndTag.replaceAll("[^a-z0-9]", "_")));
        return TestImages.push(new RegistryClient(Map.of()), ImageRef.parse(registry.host + "/" + repoAndTag),
                List.of(TestImages.baseLayer(dir), TestImages.changesLayer(dir)), List.of(cmd)).manifestDigest();
    }

    @Override
    public void close() throws InterruptedException {
        registry.close();
    }
}
