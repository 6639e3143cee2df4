package dev.era.daemon;

import dev.era.client.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's tour, as a user runs it: a real daemon, the era command, examples/http-app.yaml. */
class ReadmeTourTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("user.dir")).resolveSibling("examples")
            .resolve("http-app.yaml");

    @TempDir
    Path dir;
    @TempDir
    Path work;

    @Test
    void deployStatusCurlLogsFollowAndRmOfTheHttpExample() throws Exception {
        // The example listens on 8765; a free port keeps the test clear of a daemon someone runs by hand.
        int port = freePort();
        String spec = Files.readString(EXAMPLE);
        assertThat(spec).contains("8765");
        Path file = Files.writeString(work.resolve("http-app.yaml"), spec.replace("8765", Integer.toString(port)));

        try (DaemonProcess daemon = DaemonProcess.start(dir)) {
            DaemonProcess.Cli deploy = daemon.cli("deploy", "-f", file.toString());
            assertThat(deploy.exit()).as(deploy.err() + "\n" + daemon.log()).isZero();
            assertThat(deploy.out()).contains("  HEALTH_CHECKING").contains("hello-http is RUNNING");

            DaemonProcess.Cli status = daemon.cli("status", "hello-http");
            assertThat(status.exit()).isZero();
            assertThat(status.out()).containsPattern("state: +RUNNING").containsPattern("health: +HEALTHY");
            assertThat(daemon.cli("ps").out()).containsPattern("hello-http +d-[0-9a-f]{12} +RUNNING +HEALTHY +process");

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("Directory listing");

            String mark = "/tour-" + UUID.randomUUID();
            Process follow = new ProcessBuilder(DaemonProcess.java(List.of("--data-dir", dir.toString(), "logs", "-f",
                    "hello-http"))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                BlockingQueue<String> lines = new LinkedBlockingQueue<>();
                Thread.ofVirtual().start(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(follow.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        for (String l = r.readLine(); l != null; l = r.readLine()) {
                            lines.add(l);
                        }
                    } catch (IOException e) {
                        // the follower was stopped
                    }
                });
                assertThat(lines.poll(60, TimeUnit.SECONDS)).as("logs -f printed the tail").isNotNull();
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + mark)).build(),
                        HttpResponse.BodyHandlers.discarding());
                String streamed = null;
                for (String l = lines.poll(60, TimeUnit.SECONDS); l != null; l = lines.poll(60, TimeUnit.SECONDS)) {
                    if (l.contains(mark)) {
                        streamed = l;
                        break;
                    }
                }
                assertThat(streamed).as("logs -f streamed the request line written after it started").isNotNull()
                        .contains("GET " + mark);
            } finally {
                follow.destroyForcibly();
                follow.waitFor(30, TimeUnit.SECONDS);
            }

            Deployment d = daemon.unix().get("hello-http");
            Path files = dir.resolve("deployments").resolve(d.id());
            assertThat(files).isDirectory();
            DaemonProcess.Cli rm = daemon.cli("rm", "hello-http");
            assertThat(rm.exit()).as(rm.err()).isZero();
            assertThat(rm.out()).contains("hello-http deleted");
            assertThat(files).doesNotExist();
            assertThat(daemon.cli("ps").out()).contains("no deployments");
            assertThat(ProcessHandle.of(d.pid()).map(ProcessHandle::isAlive)).as("the app's wrapper").isNotEqualTo(
                    java.util.Optional.of(true));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
