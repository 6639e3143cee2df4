package dev.era.http;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.era.http.SandboxRoutesTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tenant B reaches tenant A's sandbox, execution and snapshot through every route and gets 404, as
 * if they did not exist. Each request is otherwise valid, so it is the tenant check that answers;
 * the route list comes from the router, so a new route without a case here fails the test.
 */
class TenantIsolationTest extends ApiTest {
    private static final String[] UPGRADE = {"Connection", "Upgrade", "Upgrade", "websocket",
            "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="};

    /** A valid request for a route, once its ids are filled in. */
    private record Call(String query, String contentType, String body, String... headers) {}

    private static final Map<String, Call> CALLS = Map.ofEntries(
            Map.entry("GET /sandboxes/{id}", new Call("", null, null)),
            Map.entry("DELETE /sandboxes/{id}", new Call("", null, null)),
            Map.entry("POST /sandboxes/{id}/suspend", new Call("", null, "")),
            Map.entry("POST /sandboxes/{id}/resume", new Call("", null, "")),
            Map.entry("POST /sandboxes/{id}/keepalive", new Call("", null, "")),
            Map.entry("POST /sandboxes/{id}/snapshots", new Call("", JSON, "{\"name\": \"mine\"}")),
            Map.entry("GET /snapshots/{sid}", new Call("", null, null)),
            Map.entry("DELETE /snapshots/{sid}", new Call("", null, null)),
            Map.entry("POST /sandboxes/{id}/exec", new Call("", JSON, "{\"command\": \"touch /tmp/era-pwned\"}")),
            Map.entry("POST /sandboxes/{id}/executions", new Call("", JSON, "{\"command\": \"true\"}")),
            Map.entry("GET /sandboxes/{id}/executions", new Call("", null, null)),
            Map.entry("GET /sandboxes/{id}/executions/{eid}", new Call("", null, null)),
            Map.entry("POST /sandboxes/{id}/executions/{eid}/wait", new Call("?timeout=1s", null, "")),
            Map.entry("POST /sandboxes/{id}/executions/{eid}/kill", new Call("", null, "")),
            Map.entry("POST /sandboxes/{id}/executions/{eid}/stdin", new Call("?close=true", "application/octet-stream", "x")),
            Map.entry("GET /sandboxes/{id}/executions/{eid}/stream", new Call("", null, null)),
            Map.entry("GET /sandboxes/{id}/ws", new Call("?command=true&tty=true", null, null, UPGRADE)),
            Map.entry("GET /sandboxes/{id}/files", new Call("?path=/workspace", null, null)),
            Map.entry("DELETE /sandboxes/{id}/files", new Call("?path=/workspace/secret.txt", null, null)),
            Map.entry("GET /sandboxes/{id}/files/content", new Call("?path=/workspace/secret.txt", null, null)),
            Map.entry("PUT /sandboxes/{id}/files/content", new Call("?path=/workspace/secret.txt",
                    "application/octet-stream", "overwritten")),
            Map.entry("POST /sandboxes/{id}/files/upload", new Call("", "multipart/form-data; boundary=b",
                    "--b\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\nsecret.txt\r\n--b\r\n"
                            + "Content-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\noverwritten\r\n--b--\r\n")),
            Map.entry("POST /sandboxes/{id}/files/mkdir", new Call("", JSON, "{\"path\": \"/workspace/new\"}")));

    @Test
    void anotherTenantGets404OnEveryRouteOfASandbox() throws Exception {
        String id = SandboxRoutesTest.create(tcp, "{\"name\": \"a-box\"}", KEY_A);
        tcp.send("PUT", "/sandboxes/" + id + "/files/content?path=secret.txt", "a's".getBytes(), KEY_A);
        String eid = tcp.post("/sandboxes/" + id + "/executions", "{\"command\": \"sleep 30\"}",
                with(KEY_A, "Content-Type", JSON)).json().get("executionId").asText();
        String sid = tcp.post("/sandboxes/" + id + "/snapshots", "{}", with(KEY_A, "Content-Type", JSON))
                .json().get("id").asText();

        List<String> checked = new ArrayList<>();
        for (Router.Route route : routes()) {
            if (!route.template().contains("{id}") && !route.template().contains("{sid}")) {
                continue;
            }
            String key = route.method() + " " + route.template();
            Call call = CALLS.get(key);
            assertThat(call).as("a tenant-isolation case for " + key).isNotNull();
            String target = route.template().replace("{id}", id).replace("{eid}", eid).replace("{sid}", sid)
                    + call.query();
            List<String> headers = new ArrayList<>(List.of(KEY_B));
            headers.addAll(List.of(call.headers()));
            if (call.contentType() != null) {
                headers.addAll(List.of("Content-Type", call.contentType()));
            }
            TestHttp.Reply r = tcp.send(route.method(), target,
                    call.body() == null ? null : call.body().getBytes(StandardCharsets.UTF_8),
                    headers.toArray(String[]::new));
            assertThat(r.status()).as(key + " by tenant b -> " + r.text()).isEqualTo(404);
            assertThat(r.json().get("error").asText()).isEqualTo("not_found");
            checked.add(key);
        }
        assertThat(checked).hasSize(CALLS.size());

        // nothing of a's was touched, and b's listings show none of it
        assertThat(tcp.get("/sandboxes/" + id, KEY_A).json().get("state").asText()).isEqualTo("RUNNING");
        assertThat(tcp.get("/sandboxes/" + id + "/executions/" + eid, KEY_A).json().get("status").asText())
                .isEqualTo("running");
        assertThat(tcp.get("/snapshots/" + sid, KEY_A).status()).isEqualTo(200);
        assertThat(tcp.get("/sandboxes/" + id + "/files/content?path=secret.txt", KEY_A).text()).isEqualTo("a's");
        assertThat(tcp.get("/sandboxes/" + id + "/executions", KEY_A).json().get("executions")).hasSize(1);
        assertThat(sandboxes.interactives()).isEmpty();
        assertThat(tcp.get("/sandboxes", KEY_B).json().get("sandboxes")).isEmpty();
        assertThat(tcp.get("/snapshots", KEY_B).json().get("snapshots")).isEmpty();
        assertThat(tcp.post("/sandboxes", "{\"fromSnapshot\": \"" + sid + "\"}", with(KEY_B, "Content-Type", JSON))
                .status()).isEqualTo(400);
    }

    @Test
    void theAdminOnTheUnixSocketSeesEveryTenant() {
        String id = SandboxRoutesTest.create(tcp, "{}", KEY_A);

        assertThat(unix.get("/sandboxes").json().get("sandboxes")).extracting(s -> s.get("id").asText()).contains(id);
        assertThat(unix.get("/sandboxes/" + id).json().get("tenant").asText()).isEqualTo("a");
    }

    private static List<Router.Route> routes() {
        var sockets = WebSocketUpgradeHandler.from(new Server()).getServerWebSocketContainer();
        return new ApiHandler(fake, Optional.of(new ApiHandler.Sandboxes(sandboxes, sockets)), new FakeAuthenticator(),
                new Metrics(), new OpenStreams(), ApiHandler.HEARTBEAT).router().routes();
    }
}
