package dev.era.engine.agents;

import dev.era.api.ArtifactLocation;
import dev.era.api.EngineException;
import dev.era.api.Workload;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The agent package's files: the jar copied into the version's install directory (so a later
 * change of the source file cannot change a deployed version), and the agent state beside the
 * deployment's volumes, kept across versions and removed with the deployment.
 */
final class PackageJar {
    static final String SERVICES = "META-INF/services/dev.era.agent.AgentPackage";
    private static final String FILE = "package.jar";
    private static final String DOWNLOAD = "package.jar.download";

    private PackageJar() {
    }

    static Path installed(Workload w) {
        return w.installDir().resolve(FILE);
    }

    static Path database(Workload w) {
        return w.volumesDir().resolve("agents.db");
    }

    /** Downloads a remote jar into the install directory; a local one is read at install. */
    static void fetch(Workload w, ArtifactLocation source) {
        if (!(source instanceof ArtifactLocation.Remote remote)) {
            return;
        }
        Path target = w.installDir().resolve(DOWNLOAD);
        try (HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            Files.createDirectories(w.installDir());
            HttpResponse<Path> r = http.send(HttpRequest.newBuilder(remote.uri()).timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofFile(target));
            if (r.statusCode() != 200) {
                Files.deleteIfExists(target);
                throw failure(w, "downloading " + remote.uri() + " answered HTTP " + r.statusCode()
                        + "; check the artifact URL", null);
            }
        } catch (IOException e) {
            throw failure(w, "cannot download " + remote.uri() + ": " + e + "; check the artifact URL and the network", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(w, "interrupted while downloading " + remote.uri(), e);
        }
    }

    /** Places the jar in the install directory and checks that it names at least one agent package. */
    static Path install(Workload w, ArtifactLocation source) {
        Path target = installed(w);
        try {
            Files.createDirectories(w.installDir());
            switch (source) {
                case ArtifactLocation.Local l -> {
                    if (!Files.isRegularFile(l.path())) {
                        throw failure(w, "there is no file " + l.path() + "; build the agent package jar first or fix "
                                + "the artifact path", null);
                    }
                    Files.copy(l.path(), target, StandardCopyOption.REPLACE_EXISTING);
                }
                case ArtifactLocation.Remote r -> {
                    Path download = w.installDir().resolve(DOWNLOAD);
                    if (Files.exists(download)) {
                        Files.move(download, target, StandardCopyOption.REPLACE_EXISTING);
                    } else if (!Files.exists(target)) {
                        throw failure(w, r.uri() + " was not fetched; deploy it again", null);
                    }
                }
            }
        } catch (IOException e) {
            throw failure(w, "cannot copy the agent package into " + w.installDir() + ": " + e, e);
        }
        packageClasses(w, target);
        return target;
    }

    /** The class names listed by the jar's own service file (not its parents'). */
    static List<String> packageClasses(Workload w, Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry entry = file.getEntry(SERVICES);
            if (entry == null) {
                throw failure(w, jar.getFileName() + " has no " + SERVICES + "; list the classes implementing "
                        + "dev.era.agent.AgentPackage in that file, one per line", null);
            }
            List<String> out = new ArrayList<>();
            try (InputStream in = file.getInputStream(entry)) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    String name = line.replaceFirst("#.*", "").strip();
                    if (!name.isEmpty()) {
                        out.add(name);
                    }
                }
            }
            if (out.isEmpty()) {
                throw failure(w, SERVICES + " in the jar names no class; list the classes implementing "
                        + "dev.era.agent.AgentPackage, one per line", null);
            }
            return out;
        } catch (IOException e) {
            throw failure(w, "the artifact is not a readable jar (" + e.getMessage() + "); give the path or URL of "
                    + "the agent package's .jar", e);
        }
    }

    static void delete(Workload w) {
        try {
            Files.deleteIfExists(installed(w));
            Files.deleteIfExists(w.installDir().resolve(DOWNLOAD));
        } catch (IOException e) {
            throw failure(w, "cannot remove " + installed(w) + ": " + e, e);
        }
    }

    static EngineException failure(Workload w, String message, Throwable cause) {
        return new EngineException("deployment " + w.id() + " version " + w.version() + ": " + message,
                Map.of("deployment", w.id().value(), "version", w.version()), cause);
    }
}
