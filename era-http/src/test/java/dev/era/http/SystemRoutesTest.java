package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

class SystemRoutesTest extends ApiTest {
    @Test
    void metricsCountDeploymentsByState() throws InterruptedException {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);
        unix.post("/deployments?wait=10s", spec("db"), "Content-Type", YAML);
        unix.post("/deployments/db/stop?wait=10s", null);

        TestHttp.Reply r = unix.get("/metrics");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).startsWith("text/plain; version=0.0.4");
        assertThat(r.text())
                .contains("# TYPE era_deployments gauge\n")
                .contains("era_deployments{state=\"RUNNING\"} 1\n")
                .contains("era_deployments{state=\"STOPPED\"} 1\n")
                .contains("era_deployments{state=\"FAILED\"} 0\n");
    }

    @Test
    void metricsCountRequestsByRouteTemplateAndStatus() {
        unix.get("/deployments/nope");
        unix.get("/deployments/also-nope");
        unix.get("/some/random/path");

        String text = unix.get("/metrics").text();

        assertThat(text)
                .contains("# TYPE era_http_requests_total counter\n")
                .contains("era_http_requests_total{route=\"/deployments/{ref}\",method=\"GET\",status=\"404\"} ")
                .contains("era_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} ")
                .doesNotContain("/some/random/path")
                .contains("# TYPE era_http_request_duration_seconds summary\n")
                .contains("era_http_request_duration_seconds_count{route=\"/deployments/{ref}\"} ")
                .contains("era_http_request_duration_seconds_sum{route=\"/deployments/{ref}\"} ")
                .contains("jvm_memory_heap_used_bytes ")
                .contains("jvm_threads_live ")
                .contains("era_uptime_seconds ");
    }

    @Test
    void metricsOfATenantCountOnlyItsDeployments() {
        tcp.post("/deployments", spec("web"), with(KEY_A, "Content-Type", YAML));

        String text = tcp.get("/metrics", KEY_B).text();

        assertThat(text).doesNotContain("era_deployments{state=\"VALIDATING\"} 1")
                .doesNotContain("era_deployments{state=\"RUNNING\"} 1");
    }

    @Test
    void everyMetricLineIsWellFormed() {
        unix.get("/health");

        for (String line : unix.get("/metrics").text().split("\n")) {
            if (!line.startsWith("#")) {
                assertThat(line).matches("[a-z_]+(\\{[a-z]+=\"[^\"]*\"(,[a-z]+=\"[^\"]*\")*\\})? -?[0-9.E-]+");
            }
        }
    }

    @Test
    void openApiDocumentsEveryRouteAndTheErrorShape() {
        JsonNode doc = unix.get("/openapi.json").json();

        assertThat(doc.get("openapi").asText()).startsWith("3.1");
        var sockets = org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler.from(new org.eclipse.jetty.server.Server())
                .getServerWebSocketContainer();
        AgentDirectory noAgents = new AgentDirectory() {
            @Override
            public Optional<Served> find(String type) {
                return Optional.empty();
            }

            @Override
            public List<Served> all() {
                return List.of();
            }
        };
        for (Router.Route route : new ApiHandler(fake, Optional.of(new ApiHandler.Sandboxes(sandboxes, sockets)),
                Optional.of(new ApiHandler.Agents(noAgents, sockets)), List.of(), new FakeAuthenticator(), new Metrics(),
                new OpenStreams(), ApiHandler.HEARTBEAT).router().routes()) {
            JsonNode path = doc.get("paths").get(route.template());
            assertThat(path).as(route.template()).isNotNull();
            JsonNode op = path.get(route.method().toLowerCase(Locale.ROOT));
            assertThat(op).as(route.method() + " " + route.template()).isNotNull();
            List<String> documented = new ArrayList<>();
            for (JsonNode p : op.path("parameters")) {
                JsonNode resolved = p.has("$ref") ? doc.at(p.get("$ref").asText().substring(1)) : p;
                documented.add(resolved.get("name").asText());
            }
            assertThat(documented).as(route.method() + " " + route.template() + " query parameters")
                    .containsAll(route.queryParams().stream().filter(q -> !q.equals(Query.ANY)).toList());
        }
        assertThat(doc.at("/components/schemas/Error/required")).extracting(JsonNode::asText)
                .containsExactly("error", "message", "details");
    }

    @Test
    void openApiIsReadOnTcpWithAKey() {
        assertThat(tcp.get("/openapi.json", KEY_A).status()).isEqualTo(200);
        assertThat(tcp.get("/openapi.json").status()).isEqualTo(401);
    }
}
