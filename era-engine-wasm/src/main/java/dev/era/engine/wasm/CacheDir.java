package dev.era.engine.wasm;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The engine's shared cache directory. The engine API hands an engine no cache directory, so it is
 * derived from the data directory's layout: the core puts a version's install directory at
 * {@code <data>/deployments/<id>/v<N>}, so the cache is {@code <data>/cache/wasm}. Holds
 * {@code modules/sha256-<hex>.wasm} (downloads) and {@code compiled-chicory-<version>/} (compiled classes).
 * Under any other layout (tests, embedding) the cache is {@code .wasm-cache} beside the install directory.
 */
final class CacheDir {
    private static final Pattern VERSION_DIR = Pattern.compile("v\\d+");

    private CacheDir() {
    }

    static Path of(Path installDir) {
        Path install = installDir.toAbsolutePath().normalize();
        Path deployment = install.getParent();
        Path deployments = deployment == null ? null : deployment.getParent();
        if (VERSION_DIR.matcher(String.valueOf(install.getFileName())).matches() && deployments != null
                && deployments.getParent() != null && String.valueOf(deployments.getFileName()).equals("deployments")) {
            return deployments.getParent().resolve("cache").resolve("wasm");
        }
        return install.resolveSibling(".wasm-cache");
    }
}
