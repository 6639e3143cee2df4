package dev.era.engine.wasm;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.wasm.Version;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chicory's compiled classes of a module on disk, one jar per module digest, so that a restarted
 * daemon does not compile again. The directory names the Chicory version because its generated
 * classes call into its runtime, which may change between versions.
 */
final class CompiledCache implements Cache {
    private final Path dir;
    private final AtomicInteger hits;

    CompiledCache(Path cacheDir, AtomicInteger hits) {
        this.dir = cacheDir.resolve("compiled-chicory-" + Version.version());
        this.hits = hits;
    }

    @Override
    public byte[] get(String key) throws IOException {
        Path file = file(key);
        if (!Files.exists(file)) {
            return null; // Chicory's contract: null means "not cached"
        }
        byte[] bytes = Files.readAllBytes(file);
        hits.incrementAndGet();
        return bytes;
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        Path file = file(key);
        if (Files.exists(file)) {
            return;
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".tmp-" + UUID.randomUUID());
        Files.write(tmp, data);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp); // another daemon thread or process published the same classes first
        }
    }

    /**
     * Chicory's keys are {@code sha-256:<base64>} of the module's bytes; the file is named by the same
     * digest in hex, as the module itself is in {@code modules/}.
     */
    private Path file(String key) {
        String name;
        try {
            name = key.startsWith("sha-256:")
                    ? "sha256-" + HexFormat.of().formatHex(Base64.getDecoder().decode(key.substring("sha-256:".length())))
                    : key.replaceAll("[^A-Za-z0-9.-]", "_");
        } catch (IllegalArgumentException e) {
            name = key.replaceAll("[^A-Za-z0-9.-]", "_");
        }
        return dir.resolve(name + ".jar");
    }
}
