package dev.era.daemon;

import dev.era.client.Deployment;
import dev.era.client.EraClient;
import dev.era.client.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blue-green updates of a real HTTP app (python3) on a real daemon, while a client polls the
 * app's public port every 10 ms over a new TCP connection each time.
 */
class BlueGreenTest {
    /** Serves "v$VERSION" on $PORT; with BROKEN set it answers 500, so it never passes its health check. */
    static final String APP = String.join("\n",
            "import os, http.server",
            "class H(http.server.BaseHTTPRequestHandler):",
            "    def do_GET(self):",
            "        b = ('v' + os.environ['VERSION']).encode()",
            "        self.send_response(500 if os.environ.get('BROKEN') else 200)",
            "        self.send_header('Content-Length', str(len(b)))",
            "        self.send_header('Connection', 'close')",
            "        self.end_headers()",
            "        self.wfile.write(b)",
            "    def log_message(self, *a):",
            "        pass",
            "http.server.ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()");

    @TempDir
    static Path dir;
    static DaemonProcess daemon;
    static EraClient client;

    @BeforeAll
    static void startDaemon() {
        daemon = DaemonProcess.start(dir);
        client = daemon.unix();
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    static String spec(String name, int port, String version, String extraEnv, String deadline) {
        return "name: " + name + "\n"
                + "command: [python3, -c, " + json(APP) + "]\n"
                + "env: {VERSION: '" + version + "'" + extraEnv + "}\n"
                + "port: " + port + "\n"
                + "health: {http: {port: " + port + ", path: /}, interval: 100ms, timeout: 1s}\n"
                + "update: {strategy: blue-green, healthyDeadline: " + deadline + ", minHealthyTime: 300ms}\n"
                + "stopTimeout: 2s\n";
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** GETs the public port every 10 ms, each on a new connection, counting answers by body and failures. */
    static final class Poller implements AutoCloseable {
        final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger requests = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Poller(int port) {
            thread = Thread.ofPlatform().name("poller").start(() -> {
                while (running.get()) {
                    long started = System.nanoTime();
                    requests.incrementAndGet();
                    try {
                        String reply = get(port);
                        String status = reply.substring(0, reply.indexOf("\r\n"));
                        String body = reply.substring(reply.indexOf("\r\n\r\n") + 4);
                        if (!status.contains(" 200 ")) {
                            failures.add(status + " " + body);
                        } else {
                            answers.computeIfAbsent(body, k -> new AtomicInteger()).incrementAndGet();
                        }
                    } catch (IOException | RuntimeException e) {
                        failures.add(e.toString());
                    }
                    long left = 10 - (System.nanoTime() - started) / 1_000_000;
                    if (left > 0) {
                        try {
                            Thread.sleep(left);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
        }

        private static String get(int port) throws IOException {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    private static void pause(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }

    @Test
    void updatingAServingAppToAGoodVersionFailsNoRequest() throws Exception {
        int port = freePort();
        Deployment v1 = client.deploy(spec("bg-good", port, "1", "", "30s"), Duration.ofSeconds(60));
        assertThat(v1.state()).as(v1.message()).isEqualTo("RUNNING");
        Poller poller = new Poller(port);
        pause(500);

        Deployment after = client.update("bg-good", spec("bg-good", port, "2", "", "30s"), Duration.ofSeconds(60));
        pause(500);
        poller.close();

        assertThat(after.state()).as(after.message()).isEqualTo("RUNNING");
        assertThat(after.version()).isEqualTo(2);
        assertThat(poller.failures).as("failed requests out of " + poller.requests.get()).isEmpty();
        assertThat(poller.answers.keySet()).containsExactlyInAnyOrder("v1", "v2");
        assertThat(client.versions("bg-good")).hasSize(2);
        System.out.printf("RECORDED blue-green update under polling: %d requests, %d failed, answers %s; %s%n",
                poller.requests.get(), poller.failures.size(), poller.answers, after.message());
        client.delete("bg-good", Duration.ofSeconds(30));
    }

    @Test
    void updatingToAVersionThatFailsItsHealthCheckRollsBackWhileTheOldOneServes() throws Exception {
        int port = freePort();
        Deployment v1 = client.deploy(spec("bg-bad", port, "1", "", "30s"), Duration.ofSeconds(60));
        assertThat(v1.state()).as(v1.message()).isEqualTo("RUNNING");
        long head = client.eventHead();
        Poller poller = new Poller(port);
        pause(300);

        Deployment after = client.update("bg-bad", spec("bg-bad", port, "2", ", BROKEN: 'yes'", "3s"),
                Duration.ofSeconds(60));
        pause(300);
        poller.close();

        assertThat(after.state()).as(after.message()).isEqualTo("RUNNING");
        assertThat(after.version()).isEqualTo(1);
        assertThat(after.pid()).isEqualTo(v1.pid());
        assertThat(after.message()).contains("rolled back").contains("version 1 kept serving")
                .contains("version 2");
        assertThat(poller.failures).as("failed requests out of " + poller.requests.get()).isEmpty();
        assertThat(poller.answers.keySet()).containsExactly("v1");
        List<String> story = client.events(head, 1000).events().stream()
                .filter(e -> e.deployment().equals(v1.id())).map(Event::message).toList();
        assertThat(String.join("\n", story)).contains("RUNNING -> UPDATING").contains("VERIFYING -> ROLLING_BACK")
                .containsAnyOf("healthyDeadline", "failed its health check").contains("ROLLING_BACK -> RUNNING");
        System.out.printf("RECORDED failed update under polling: %d requests, %d failed; %s%n",
                poller.requests.get(), poller.failures.size(), after.message());
        client.delete("bg-bad", Duration.ofSeconds(30));
    }
}
