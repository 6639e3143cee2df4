package dev.era.engine.wasm;

import dev.era.api.ArtifactLocation;
import dev.era.api.EngineException;
import dev.era.api.Workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The module's bytes on disk. Each version keeps its own copy in {@code <installDir>/module.wasm},
 * so that it runs the same module even when the source file changes or the cache is cleared;
 * {@code module.sha256} beside it ({@code "<hex digest> <artifact>"}) is written last and marks the
 * install as complete. Downloads land first in the shared cache, {@code <cache>/modules/sha256-<hex>.wasm},
 * so that versions and deployments that fetch the same bytes store them once.
 */
final class ModuleFiles {
    static final String MODULE = "module.wasm";
    static final String MARKER = "module.sha256";
    /** What {@code fetch} downloaded for this version, so that {@code install} (maybe after a crash) finds it. */
    private static final String FETCHED = "fetched.sha256";
    /** Larger than any real module (LLVM's clang compiled to WASI is ~100 MiB); stops a bad URL from filling the disk. */
    static final long MAX_BYTES = 512L << 20;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);

    /** An installed module: its file and the SHA-256 of its bytes (lower-case hex). */
    record Installed(Path file, String sha256) {}

    private ModuleFiles() {
    }

    /** The module this version installed, when its install completed for {@code artifact}. */
    static Optional<Installed> installed(Workload w) {
        Path marker = w.installDir().resolve(MARKER);
        Path file = w.installDir().resolve(MODULE);
        try {
            if (!Files.exists(marker) || !Files.exists(file)) {
                return Optional.empty();
            }
            String[] parts = Files.readString(marker).strip().split(" ", 2);
            if (parts.length != 2 || !parts[1].equals(w.spec().artifact())) {
                return Optional.empty();
            }
            return Optional.of(new Installed(file, parts[0]));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Downloads a remote module into the shared cache unless this version has it already. Local files need nothing. */
    static void fetch(Workload w, ArtifactLocation source, Path cacheDir) {
        if (!(source instanceof ArtifactLocation.Remote remote) || installed(w).isPresent() || fetched(w, cacheDir).isPresent()) {
            return;
        }
        Path modules = cacheDir.resolve("modules");
        Path tmp = modules.resolve(".download-" + UUID.randomUUID());
        try {
            Files.createDirectories(modules);
            MessageDigest sha = sha256();
            try (HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL).build()) {
                HttpResponse<InputStream> response = client.send(
                        HttpRequest.newBuilder(remote.uri()).timeout(RESPONSE_TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = response.body()) {
                    if (response.statusCode() / 100 != 2) {
                        throw new EngineException("deployment " + w.id() + ": downloading " + remote.uri() + " answered HTTP "
                                + response.statusCode() + "; check the URL and that the server serves the module",
                                Map.of("artifact", remote.uri().toString(), "status", response.statusCode()));
                    }
                    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
                        copyCapped(w, in, out, remote.uri().toString());
                    }
                }
            }
            String hex = HexFormat.of().formatHex(sha.digest());
            Path target = modules.resolve("sha256-" + hex + ".wasm");
            if (Files.exists(target)) {
                Files.delete(tmp); // the same bytes came before, for this or another deployment
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            writeAtomically(w.installDir().resolve(FETCHED), hex + " " + w.spec().artifact() + "\n");
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot download " + remote.uri() + " into " + modules + ": "
                    + e + "; check the URL, this host's network access and free disk space",
                    Map.of("artifact", remote.uri().toString()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("deployment " + w.id() + ": the download of " + remote.uri() + " was interrupted; retry",
                    Map.of("artifact", remote.uri().toString()), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // a leftover .download- file is harmless; the next fetch uses a new name
            }
        }
    }

    /** Lays the module out in the install directory; a repeated call for the same artifact does nothing. */
    static Installed install(Workload w, ArtifactLocation source, Path cacheDir) {
        Optional<Installed> done = installed(w);
        if (done.isPresent()) {
            return done.get();
        }
        Path from = switch (source) {
            case ArtifactLocation.Local local -> {
                if (!Files.isRegularFile(local.path()) || !Files.isReadable(local.path())) {
                    throw new EngineException("deployment " + w.id() + ": module " + local.path() + " does not exist or is not "
                            + "a readable file; fix the artifact path or copy the module to this host",
                            Map.of("artifact", w.spec().artifact()));
                }
                yield local.path();
            }
            case ArtifactLocation.Remote remote -> {
                fetch(w, remote, cacheDir);
                yield fetched(w, cacheDir).orElseThrow(() -> new EngineException("deployment " + w.id() + ": the download of "
                        + remote.uri() + " is missing from " + cacheDir + "; retry the deployment to fetch it again",
                        Map.of("artifact", w.spec().artifact())));
            }
        };
        Path file = w.installDir().resolve(MODULE);
        Path tmp = w.installDir().resolve(MODULE + ".part");
        try {
            Files.createDirectories(w.installDir());
            MessageDigest sha = sha256();
            try (InputStream in = Files.newInputStream(from);
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
                copyCapped(w, in, out, from.toString());
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            String hex = HexFormat.of().formatHex(sha.digest());
            writeAtomically(w.installDir().resolve(MARKER), hex + " " + w.spec().artifact() + "\n");
            Files.deleteIfExists(w.installDir().resolve(FETCHED));
            return new Installed(file, hex);
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot copy module " + from + " into " + w.installDir() + ": "
                    + e + "; check free disk space and permissions", Map.of("artifact", w.spec().artifact()), e);
        }
    }

    /** Removes what {@link #install} and {@link #fetch} wrote for this version; the shared cache stays. */
    static void delete(Workload w) {
        try {
            for (String name : new String[] {MARKER, MODULE, MODULE + ".part", FETCHED}) {
                Files.deleteIfExists(w.installDir().resolve(name));
            }
            if (Files.isDirectory(w.installDir())) {
                try (var left = Files.list(w.installDir())) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(w.installDir());
                    }
                }
            }
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot delete the module in " + w.installDir() + ": " + e
                    + "; check permissions and retry", Map.of("deployment", w.id().value()), e);
        }
    }

    private static Optional<Path> fetched(Workload w, Path cacheDir) {
        try {
            Path record = w.installDir().resolve(FETCHED);
            if (!Files.exists(record)) {
                return Optional.empty();
            }
            String[] parts = Files.readString(record).strip().split(" ", 2);
            if (parts.length != 2 || !parts[1].equals(w.spec().artifact())) {
                return Optional.empty();
            }
            Path cached = cacheDir.resolve("modules").resolve("sha256-" + parts[0] + ".wasm");
            return Files.exists(cached) ? Optional.of(cached) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void copyCapped(Workload w, InputStream in, OutputStream out, String what) throws IOException {
        byte[] buffer = new byte[64 << 10];
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            total += n;
            if (total > MAX_BYTES) {
                throw new EngineException("deployment " + w.id() + ": module " + what + " is larger than "
                        + (MAX_BYTES >> 20) + " MiB; this is not a WebAssembly module ERA can run, check the artifact",
                        Map.of("artifact", what, "maxBytes", MAX_BYTES));
            }
            out.write(buffer, 0, n);
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
