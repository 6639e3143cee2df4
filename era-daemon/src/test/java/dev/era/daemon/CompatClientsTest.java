package dev.era.daemon;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outside clients, unchanged, against a real daemon with real sandboxes: RunLoop's official
 * TypeScript SDK from npm (era-compat/src/test/node/scenario.mjs) and the stdlib-only Python
 * client's own test suite (clients/python/tests). Each is one process; its output is the
 * failure message.
 */
class CompatClientsTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path NODE = ROOT.resolve("era-compat/src/test/node");
    static final Path PYTHON = ROOT.resolve("clients/python");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static DaemonProcess daemon;

    @BeforeAll
    static void start() {
        daemon = DaemonProcess.start(dir.resolve("data"));
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void runLoopsTypeScriptSdkDrivesADevboxThroughItsWholeLife() {
        if (!Files.isDirectory(NODE.resolve("node_modules/@runloop/api-client"))) {
            // the SDK exactly as package-lock.json pins it, from the npm registry
            Run install = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix",
                    NODE.toString()), NODE, Map.of(), Duration.ofMinutes(5));
            assertThat(install.exit()).as(install.output()).isZero();
        }
        Run scenario = run(List.of("node", "scenario.mjs"), NODE,
                Map.of("RUNLOOP_BASE_URL", url(), "RUNLOOP_API_KEY", daemon.firstKey()), Duration.ofMinutes(5));
        assertThat(scenario.output()).as("exit %d:\n%s\n--- daemon log ---\n%s", scenario.exit(), scenario.output(),
                tail(daemon.log())).contains("SCENARIO OK");
        assertThat(scenario.exit()).isZero();
    }

    /** The Python client's suite: ERA's API over TCP and the socket, RunLoop's API, and the provider factory. */
    @Test
    void thePythonClientsOwnTestsPassAgainstTheDaemon() {
        Run tests = run(List.of("python3", "-m", "unittest", "discover", "-v", "-s", "tests"), PYTHON,
                Map.of("ERA_URL", url(), "ERA_API_KEY", daemon.firstKey(),
                        "ERA_SOCKET", daemon.dataDir().resolve("era.sock").toString(), "PYTHONDONTWRITEBYTECODE", "1"),
                Duration.ofMinutes(5));
        assertThat(tests.exit()).as("%s\n--- daemon log ---\n%s", tests.output(), tail(daemon.log())).isZero();
        assertThat(tests.output()).contains("OK").doesNotContain("skipped");
    }

    /** What OpenHands' RemoteRuntime does: start, wait for the pod to be ready, talk to the url, pause, resume, stop. */
    @Test
    void anOpenHandsRuntimeServesItsStartCommandAtTheUrlWithTheSessionKey() throws Exception {
        String server = String.join("\n",
                "import http.server, os, sys",
                "key = os.environ['SESSION_API_KEY']",
                "class H(http.server.BaseHTTPRequestHandler):",
                "    def do_GET(self):",
                "        ok = self.headers.get('X-Session-API-Key') == key",
                "        body = (os.getcwd() + ' ' + os.environ.get('DEBUG', '')).encode() if ok else b'no'",
                "        self.send_response(200 if ok else 401)",
                "        self.send_header('Content-Length', str(len(body)))",
                "        self.end_headers()",
                "        self.wfile.write(body)",
                "    def log_message(self, *a):",
                "        pass",
                "http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()");
        ObjectNode start = JSON.createObjectNode();
        start.put("image", "era/host");
        start.putArray("command").add("python3").add("-c").add(server).add("60000");
        start.put("working_dir", "/tmp");
        start.putObject("environment").put("DEBUG", "yes");
        start.put("session_id", "oh-session-1");
        try (HttpClient http = HttpClient.newHttpClient()) {
            JsonNode runtime = openHands(http, "POST", "/openhands/start", start.toString());
            String id = runtime.get("runtime_id").asText();
            String url = runtime.get("url").asText();
            String key = runtime.get("session_api_key").asText();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!openHands(http, "GET", "/openhands/runtime/" + id, null).get("pod_status").asText().equals("ready")) {
                assertThat(System.nanoTime()).as("runtime ready within 30 s").isLessThan(deadline);
                Thread.sleep(50);
            }
            HttpResponse<String> alive = http.send(HttpRequest.newBuilder(URI.create(url + "/alive"))
                    .header("X-Session-API-Key", key).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(alive.statusCode()).isEqualTo(200);
            assertThat(alive.body()).isEqualTo("/tmp yes");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(url + "/alive")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            assertThat(openHands(http, "GET", "/openhands/sessions/oh-session-1", null).get("runtime_id").asText())
                    .isEqualTo(id);
            String body = "{\"runtime_id\": \"" + id + "\"}";
            assertThat(openHands(http, "POST", "/openhands/pause", body).get("status").asText()).isEqualTo("paused");
            assertThat(openHands(http, "POST", "/openhands/resume", body).get("status").asText()).isEqualTo("running");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(url + "/alive")).header("X-Session-API-Key", key)
                    .build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("/tmp yes");
            assertThat(openHands(http, "POST", "/openhands/stop", body).get("status").asText()).isEqualTo("stopped");
        }
    }

    private static JsonNode openHands(HttpClient http, String method, String path, String json) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url() + path)).header("X-API-Key", daemon.firstKey())
                .timeout(Duration.ofSeconds(60));
        r = json == null ? r.GET() : r.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String url() {
        return daemon.tcpUrl().toString();
    }

    /** Runs an outside client to its end; one still running after {@code limit} is killed and reported. */
    private static Run run(List<String> command, Path workDir, Map<String, String> env, Duration limit) {
        try {
            Path out = Files.createTempFile(dir, "client", ".log");
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean ended = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            String text = Files.readString(out);
            return new Run(ended ? p.exitValue() : -1, ended ? text : text + "\n(killed after " + limit + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    record Run(int exit, String output) {}

    private static String tail(String log) {
        return log.length() <= 20_000 ? log : log.substring(log.length() - 20_000);
    }
}
