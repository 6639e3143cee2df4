package dev.era.engine.wasm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * npm packages fetched from the registry with {@code npm pack} (which checks the tarball against
 * the registry's integrity hash) and unpacked under {@code target/npm}, once per build.
 */
final class NpmPackages {
    private static final Path ROOT = Path.of("target", "npm").toAbsolutePath();

    private NpmPackages() {
    }

    /** The {@code package/} directory of {@code name@version}. */
    static synchronized Path unpacked(String name, String version) {
        Path dir = ROOT.resolve(name.replace('/', '_').replace("@", "") + "-" + version);
        Path pkg = dir.resolve("package");
        if (Files.exists(pkg.resolve("package.json"))) {
            return pkg;
        }
        try {
            Files.createDirectories(dir);
            String tarball = run(List.of("npm", "pack", name + "@" + version, "--pack-destination", dir.toString(), "--silent"), dir)
                    .lines().reduce((a, b) -> b).orElseThrow(() -> new AssertionError("npm pack printed no file name"));
            run(List.of("tar", "xzf", dir.resolve(tarball.strip()).toString(), "-C", dir.toString()), dir);
            return pkg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(List<String> command, Path dir) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return out;
    }
}
