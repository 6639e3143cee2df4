package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.Workload;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Brings a spec's artifact into the install directory. An artifact is empty (nothing to install),
 * a local path or {@code file:} URL, or an {@code http(s):} URL; archives ({@code .tar.gz},
 * {@code .tgz}, {@code .tar}) are unpacked with {@code tar}, anything else is copied as one file.
 * Downloads are staged in the run directory by {@code fetch}; a marker there makes {@code install}
 * idempotent.
 */
final class Artifacts {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    private static final long TAR_TIMEOUT_MINUTES = 10;
    private static final String MARKER = "installed";
    private static final List<String> ARCHIVES = List.of(".tar.gz", ".tgz", ".tar");

    private Artifacts() {
    }

    static boolean remote(String artifact) {
        return artifact.startsWith("http://") || artifact.startsWith("https://");
    }

    /** Downloads a remote artifact into the run directory, once; checks that a local one is readable. */
    static void fetch(Workload w) {
        String artifact = w.spec().artifact();
        if (artifact.isEmpty()) {
            return;
        }
        if (!remote(artifact)) {
            Path local = localPath(w, artifact);
            if (!Files.isReadable(local)) {
                throw new EngineException("deployment " + w.id() + ": artifact " + local + " does not exist or is not readable; "
                        + "fix the artifact path or copy the file to this host", Map.of("artifact", artifact));
            }
            return;
        }
        Path staged = staged(w);
        if (Files.exists(staged)) {
            return;
        }
        try {
            Files.createDirectories(staged.getParent());
            Path tmp = staged.resolveSibling(staged.getFileName() + ".part");
            try (HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL).build()) {
                HttpResponse<Path> response = client.send(
                        HttpRequest.newBuilder(URI.create(artifact)).timeout(RESPONSE_TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.ofFile(tmp));
                if (response.statusCode() / 100 != 2) {
                    Files.deleteIfExists(tmp);
                    throw new EngineException("deployment " + w.id() + ": downloading " + artifact + " answered HTTP "
                            + response.statusCode() + "; check the URL and that the server serves the file",
                            Map.of("artifact", artifact, "status", response.statusCode()));
                }
            }
            Files.move(tmp, staged, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot download " + artifact + ": " + e
                    + "; check the URL and this host's network access", Map.of("artifact", artifact), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("deployment " + w.id() + ": download of " + artifact + " was interrupted; retry",
                    Map.of("artifact", artifact), e);
        } catch (IllegalArgumentException e) {
            throw new EngineException("deployment " + w.id() + ": artifact URL " + artifact + " is malformed: " + e.getMessage(),
                    Map.of("artifact", artifact), e);
        }
    }

    static void install(Workload w) {
        String artifact = w.spec().artifact();
        Path installDir = w.installDir();
        Path marker = w.runDir().resolve(MARKER);
        try {
            Files.createDirectories(installDir);
            if (artifact.isEmpty()) {
                return;
            }
            if (Files.exists(marker) && Files.readString(marker).equals(artifact)) {
                return; // installed before a crash or a repeated call
            }
            fetch(w);
            Path source = remote(artifact) ? staged(w) : localPath(w, artifact);
            clear(installDir); // a half-done install from before a crash
            String name = source.getFileName().toString();
            if (ARCHIVES.stream().anyMatch(name::endsWith)) {
                untar(w, source, name.endsWith(".tar") ? "-xf" : "-xzf");
            } else {
                Path target = installDir.resolve(name);
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                if (remote(artifact)) {
                    // a single downloaded file is the program to run; HTTP carries no file mode
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            Files.createDirectories(marker.getParent());
            Files.writeString(marker, artifact, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot install " + artifact + " into " + installDir + ": "
                    + e + "; check free disk space and permissions", Map.of("artifact", artifact), e);
        }
    }

    /** Removes the marker and the staged download, so that a later install starts afresh. */
    static void forget(Workload w) {
        try {
            Files.deleteIfExists(w.runDir().resolve(MARKER));
        } catch (IOException e) {
            // the run directory is removed right after
        }
    }

    private static void untar(Workload w, Path archive, String mode) throws IOException {
        Process tar = new ProcessBuilder("tar", mode, archive.toString(), "-C", w.installDir().toString())
                .redirectErrorStream(true).start();
        tar.getOutputStream().close();
        String output;
        try (InputStream out = tar.getInputStream()) {
            output = new String(out.readNBytes(4096), StandardCharsets.UTF_8).strip();
        }
        try {
            if (!tar.waitFor(TAR_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                tar.destroyForcibly();
                throw new EngineException("deployment " + w.id() + ": tar did not finish unpacking " + archive + " within "
                        + TAR_TIMEOUT_MINUTES + " minutes; check the archive and the disk", Map.of("artifact", archive.toString()));
            }
        } catch (InterruptedException e) {
            tar.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EngineException("deployment " + w.id() + ": unpacking " + archive + " was interrupted; retry",
                    Map.of("artifact", archive.toString()), e);
        }
        if (tar.exitValue() != 0) {
            throw new EngineException("deployment " + w.id() + ": tar could not unpack " + archive + " (exit " + tar.exitValue()
                    + "): " + output + "; check that the artifact is a valid tar or tar.gz archive",
                    Map.of("artifact", archive.toString(), "exitCode", tar.exitValue()));
        }
    }

    private static Path localPath(Workload w, String artifact) {
        try {
            return artifact.startsWith("file:") ? Path.of(URI.create(artifact)) : Path.of(artifact);
        } catch (IllegalArgumentException e) {
            throw new EngineException("deployment " + w.id() + ": artifact " + artifact + " is neither a path nor a file:, http: or https: URL",
                    Map.of("artifact", artifact), e);
        }
    }

    private static Path staged(Workload w) {
        String path = URI.create(w.spec().artifact()).getPath();
        String name = path == null || path.isEmpty() || path.endsWith("/") ? "artifact" : path.substring(path.lastIndexOf('/') + 1);
        return w.runDir().resolve("fetched").resolve(name);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void clear(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.toList()) {
                deleteTree(child);
            }
        }
    }
}
