package dev.era.engine.process;

import com.sun.net.httpserver.HttpServer;
import dev.era.api.EngineException;
import dev.era.api.Workload;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArtifactsTest {
    @TempDir
    Path dir;

    private HttpServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private Workload workload(String artifact) {
        return Workloads.of(dir.resolve("w"), TestSpec.builder("process").command("./app").artifact(artifact).build());
    }

    private Path tarball() throws IOException, InterruptedException {
        Path src = Files.createDirectories(dir.resolve("src/bin"));
        Files.writeString(src.resolve("app"), "#!/bin/sh\necho hi\n");
        src.resolve("app").toFile().setExecutable(true);
        Path tgz = dir.resolve("app.tar.gz");
        assertThat(new ProcessBuilder("tar", "-czf", tgz.toString(), "-C", dir.resolve("src").toString(), "bin")
                .inheritIO().start().waitFor()).isZero();
        return tgz;
    }

    @Test
    void aTarGzIsUnpackedIntoTheInstallDirectory() throws Exception {
        Workload w = workload(tarball().toString());

        Artifacts.install(w);
        Artifacts.install(w);

        assertThat(w.installDir().resolve("bin/app")).isExecutable().hasContent("#!/bin/sh\necho hi");
    }

    @Test
    void aPlainFileIsCopiedFromAFileUrl() throws IOException {
        Path file = Files.writeString(dir.resolve("tool.sh"), "#!/bin/sh\n");

        Workload w = workload(file.toUri().toString());
        Artifacts.install(w);

        assertThat(w.installDir().resolve("tool.sh")).hasContent("#!/bin/sh");
    }

    @Test
    void anHttpArtifactIsDownloadedOnce() throws Exception {
        byte[] body = Files.readAllBytes(tarball());
        AtomicInteger requests = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            boolean found = exchange.getRequestURI().getPath().equals("/app.tgz");
            exchange.sendResponseHeaders(found ? 200 : 404, found ? body.length : -1);
            if (found) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();

        Workload w = workload(base + "/app.tgz");
        Artifacts.fetch(w);
        Artifacts.fetch(w);
        Artifacts.install(w);

        assertThat(requests).hasValue(1);
        assertThat(w.installDir().resolve("bin/app")).isExecutable();
        Workload missing = Workloads.of(dir.resolve("m"), TestSpec.builder("process").command("./app").artifact(base + "/nope.tgz").build());
        assertThatThrownBy(() -> Artifacts.fetch(missing)).isInstanceOf(EngineException.class)
                .hasMessageContaining("HTTP 404").hasMessageContaining(missing.id().value());
    }

    @Test
    void aMissingLocalArtifactIsReported() {
        Workload w = workload(dir.resolve("absent.tgz").toString());

        assertThatThrownBy(() -> Artifacts.install(w)).isInstanceOf(EngineException.class)
                .hasMessageContaining("absent.tgz").hasMessageContaining("does not exist");
    }

    @Test
    void aBrokenArchiveIsReportedWithTarsOutput() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.tgz"), "not a tarball");

        assertThatThrownBy(() -> Artifacts.install(workload(bad.toString()))).isInstanceOf(EngineException.class)
                .hasMessageContaining("tar could not unpack");
    }
}
