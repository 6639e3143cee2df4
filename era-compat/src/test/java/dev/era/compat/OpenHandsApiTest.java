package dev.era.compat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** OpenHands' remote-runtime calls, as RemoteRuntime makes them, over the fake sandbox service. */
class OpenHandsApiTest {
    @TempDir
    static Path dir;
    static CompatServer server;

    @BeforeAll
    static void start() {
        server = new CompatServer(dir, s -> List.of(OpenHandsApi.create(s, OpenHandsConfig.defaults())));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.sandboxes.reset();
    }

    static CompatServer.Reply call(String method, String path, String json, String key) {
        HttpRequest.Builder r = HttpRequest.newBuilder(server.uri(path));
        r = method.equals("GET") ? r.GET() : r.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return server.send(r, key, "X-API-Key");
    }

    static JsonNode post(String path, String json) {
        CompatServer.Reply r = call("POST", path, json, CompatServer.KEY_A);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }

    static JsonNode get(String path) {
        CompatServer.Reply r = call("GET", path, "", CompatServer.KEY_A);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }

    static final String START = """
            {"image": "era/host", "command": ["python3", "-m", "server", "60000", "--key", "x"],
             "working_dir": "/workspace", "environment": {"DEBUG": "true"}, "session_id": "s-1", "resource_factor": 1}""";

    @Test
    void startAnswersRuntimeIdUrlAndSessionKeyAndRemembersTheSession() {
        JsonNode started = post("/openhands/start", START);
        String id = started.get("runtime_id").asText();
        String key = started.get("session_api_key").asText();
        URI url = URI.create(started.get("url").asText());
        assertThat(url.getHost()).isEqualTo("127.0.0.1");
        assertThat(url.getPort()).isPositive().isNotEqualTo(60000);
        assertThat(key).hasSizeGreaterThanOrEqualTo(32);
        var sandbox = server.sandboxes.list(dev.era.core.Caller.tenant("a")).getFirst();
        assertThat(sandbox.network()).isEqualTo("host");
        assertThat(sandbox.env()).containsEntry("PORT", Integer.toString(url.getPort()))
                .containsEntry("SESSION_API_KEY", key).containsEntry("DEBUG", "true");
        JsonNode session = get("/openhands/sessions/s-1");
        assertThat(session.get("runtime_id").asText()).isEqualTo(id);
        assertThat(session.get("status").asText()).isEqualTo("running");
        assertThat(session.get("session_api_key").asText()).isEqualTo(key);
        assertThat(post("/openhands/start", START).get("runtime_id").asText()).as("a second start attaches").isEqualTo(id);
        assertThat(get("/openhands/list").get("runtimes")).hasSize(1);
    }

    static Body body(String json) throws Exception {
        return new Body((com.fasterxml.jackson.databind.node.ObjectNode) Call.JSON.readTree(json));
    }

    @Test
    void theStartCommandRunsInItsDirectoryWithTheChosenPortInPlaceOfOpenHandsDefault() throws Exception {
        OpenHandsApi api = OpenHandsApi.create(server.sandboxes, OpenHandsConfig.defaults().withImageEngine("oci"));
        var r = api.runtimeRequest(body("""
                {"image": "era/host", "command": ["serve", "60000", "--url=http://x:{port}/"], "working_dir": "/w"}"""),
                "s", 41234, "k");
        assertThat(r.command()).containsExactly("/bin/sh", "-c", "cd \"$0\" || exit 126; exec \"$@\"", "/w", "serve",
                "41234", "--url=http://x:41234/");
        assertThat(r.network()).isEqualTo("host");
        assertThat(r.image()).isEmpty();
        assertThat(r.engine()).as("a host image runs on the daemon's default engine").isEmpty();
        assertThat(r.env()).containsEntry("PORT", "41234").containsEntry("SESSION_API_KEY", "k");
        assertThat(r.labels()).containsEntry(OpenHandsApi.SESSION, "s").containsEntry(OpenHandsApi.PORT, "41234");
    }

    @Test
    void aCommandLineStringRunsInBashAndAnImageGoesToTheImageEngine() throws Exception {
        OpenHandsApi api = OpenHandsApi.create(server.sandboxes, OpenHandsConfig.defaults().withImageEngine("oci"));
        var r = api.runtimeRequest(body("{\"image\": \"ghcr.io/acme/runtime:1\", \"command\": \"serve --port {port}\"}"),
                "s", 5000, "k");
        assertThat(r.command()).containsExactly("/bin/bash", "-lc", "serve --port 5000");
        assertThat(r.image()).isEqualTo("ghcr.io/acme/runtime:1");
        assertThat(r.engine()).isEqualTo("oci");
    }

    @Test
    void theRuntimeIsReadyOnlyOnceSomethingListensOnItsPort() throws Exception {
        JsonNode started = post("/openhands/start", START);
        String id = started.get("runtime_id").asText();
        assertThat(get("/openhands/runtime/" + id).get("pod_status").asText()).isEqualTo("running");
        int port = URI.create(started.get("url").asText()).getPort();
        try (ServerSocket listener = new ServerSocket(port, 5, InetAddress.getLoopbackAddress())) {
            JsonNode ready = get("/openhands/runtime/" + id);
            assertThat(ready.get("pod_status").asText()).isEqualTo("ready");
            assertThat(ready.get("runtime_id").asText()).isEqualTo(id);
        }
    }

    @Test
    void pauseResumeAndStopFollowTheSandbox() {
        String id = post("/openhands/start", START).get("runtime_id").asText();
        String body = "{\"runtime_id\": \"" + id + "\"}";
        assertThat(post("/openhands/pause", body).get("status").asText()).isEqualTo("paused");
        assertThat(get("/openhands/sessions/s-1").get("status").asText()).isEqualTo("paused");
        assertThat(post("/openhands/resume", body).get("status").asText()).isEqualTo("running");
        assertThat(post("/openhands/stop", body).get("status").asText()).isEqualTo("stopped");
        assertThat(call("GET", "/openhands/sessions/s-1", "", CompatServer.KEY_A).status()).isEqualTo(404);
    }

    @Test
    void imagesRegistryAndBuildsAnswerWhatEraCanRun() {
        assertThat(get("/openhands/image_exists?image=era/host").get("exists").asBoolean()).isTrue();
        assertThat(get("/openhands/image_exists?image=ghcr.io/all-hands-ai/runtime:0.9").get("exists").asBoolean())
                .isFalse();
        assertThat(get("/openhands/registry_prefix").get("registry_prefix").asText()).isEqualTo("era.local/openhands");
        CompatServer.Reply build = call("POST", "/openhands/build", "{}", CompatServer.KEY_A);
        assertThat(build.status()).isEqualTo(400);
        assertThat(build.json().get("message").asText()).contains("does not offer building runtime images")
                .contains("era/host");
    }

    @Test
    void runtimesNeedAnApiKeyAndStayWithTheirTenant() {
        assertThat(call("GET", "/openhands/list", "", "").status()).isEqualTo(401);
        String id = post("/openhands/start", START).get("runtime_id").asText();
        assertThat(call("GET", "/openhands/runtime/" + id, "", CompatServer.KEY_B).status()).isEqualTo(404);
        assertThat(call("GET", "/openhands/sessions/s-1", "", CompatServer.KEY_B).status()).isEqualTo(404);
        assertThat(call("POST", "/openhands/stop", "{\"runtime_id\": \"" + id + "\"}", CompatServer.KEY_B).status())
                .isEqualTo(404);
    }

    @Test
    void startWithoutACommandSaysWhatIsMissing() {
        CompatServer.Reply r = call("POST", "/openhands/start", "{\"image\": \"era/host\"}", CompatServer.KEY_A);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("command");
    }
}
