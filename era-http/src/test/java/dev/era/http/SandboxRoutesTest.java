package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SandboxRoutesTest extends ApiTest {
    static final String JSON = "application/json";

    static String create(TestHttp http, String body, String... headers) {
        TestHttp.Reply r = http.post("/sandboxes", body, with(headers, "Content-Type", JSON));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    @Test
    void createAnswersTheSandboxWithItsWireShape() {
        TestHttp.Reply r = tcp.post("/sandboxes", """
                {"name": "dev", "engine": "process", "resources": {"cpu": 1.5, "memory": "512Mi", "pids": 256},
                 "network": "host", "env": {"A": "b"}, "labels": {"team": "x"}, "idleTimeout": "10m",
                 "command": ["sleep", "infinity"]}""", with(KEY_A, "Content-Type", JSON));

        assertThat(r.status()).as(r.text()).isEqualTo(201);
        JsonNode s = r.json();
        assertThat(s.fieldNames()).toIterable().containsExactly("id", "name", "tenant", "state", "engine", "image",
                "resources", "network", "env", "labels", "idleTimeout", "fromSnapshot", "message", "createdAt",
                "lastActivity");
        assertThat(s.get("id").asText()).matches("sb-[0-9a-f]{12}");
        assertThat(r.header("location")).isEqualTo("/sandboxes/" + s.get("id").asText());
        assertThat(s.get("tenant").asText()).isEqualTo("a");
        assertThat(s.get("state").asText()).isEqualTo("RUNNING");
        assertThat(s.get("resources").get("cpu").asDouble()).isEqualTo(1.5);
        assertThat(s.get("resources").get("memory").asLong()).isEqualTo(512L << 20);
        assertThat(s.get("resources").get("pids").asInt()).isEqualTo(256);
        assertThat(s.get("network").asText()).isEqualTo("host");
        assertThat(s.get("env").get("A").asText()).isEqualTo("b");
        assertThat(s.get("labels").get("team").asText()).isEqualTo("x");
        assertThat(s.get("idleTimeout").asText()).isEqualTo("10m");
    }

    @Test
    void anEmptyBodyCreatesASandboxWithDefaults() {
        TestHttp.Reply r = unix.post("/sandboxes", "", "Content-Type", JSON);

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("network").asText()).isEqualTo("none");
        assertThat(r.json().get("resources").get("memory").asLong()).isZero();
    }

    @Test
    void badJsonIsA400() {
        TestHttp.Reply r = unix.post("/sandboxes", "{\"name\": ", "Content-Type", JSON);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(r.json().get("message").asText()).contains("not valid JSON");
    }

    @Test
    void aBodyThatIsNotAnObjectIsA400() {
        assertThat(unix.post("/sandboxes", "[1, 2]", "Content-Type", JSON).status()).isEqualTo(400);
        assertThat(unix.post("/sandboxes", "{} {}", "Content-Type", JSON).status()).isEqualTo(400);
    }

    @Test
    void eachBadFieldIsA400NamingIt() {
        assertBadField("{\"nmae\": \"x\"}", "nmae");
        assertBadField("{\"name\": 5}", "name");
        assertBadField("{\"resources\": {\"memory\": \"lots\"}}", "resources.memory");
        assertBadField("{\"resources\": {\"memory\": -1}}", "resources.memory");
        assertBadField("{\"resources\": {\"cpu\": \"fast\"}}", "resources.cpu");
        assertBadField("{\"resources\": {\"cpu\": -1}}", "resources.cpu");
        assertBadField("{\"resources\": {\"pids\": 1.5}}", "resources.pids");
        assertBadField("{\"resources\": {\"disk\": 1}}", "resources.disk");
        assertBadField("{\"resources\": 3}", "resources");
        assertBadField("{\"env\": {\"A\": 1}}", "env.A");
        assertBadField("{\"env\": [\"A=b\"]}", "env");
        assertBadField("{\"labels\": \"x\"}", "labels");
        assertBadField("{\"idleTimeout\": \"soon\"}", "idleTimeout");
        assertBadField("{\"idleTimeout\": -5}", "idleTimeout");
        assertBadField("{\"command\": 5}", "command");
        assertBadField("{\"command\": []}", "command");
        assertBadField("{\"command\": [\"ls\", 1]}", "command[1]");
        assertBadField("{\"network\": \"bridge\"}", "network");
        assertBadField("{\"engine\": \"nope\"}", "engine");
        assertBadField("{\"fromSnapshot\": \"snap-000000000000\"}", "fromSnapshot");
    }

    private static void assertBadField(String body, String field) {
        TestHttp.Reply r = unix.post("/sandboxes", body, "Content-Type", JSON);
        assertThat(r.status()).as(body + " -> " + r.text()).isEqualTo(400);
        assertThat(r.json().get("details").get("field").asText()).as(body).isEqualTo(field);
        assertThat(r.json().get("message").asText()).as(body).contains(field);
    }

    @Test
    void aBodyOfAnotherTypeIsA415() {
        TestHttp.Reply r = unix.post("/sandboxes", "name: x", "Content-Type", "application/yaml");

        assertThat(r.status()).isEqualTo(415);
    }

    @Test
    void aDuplicateNameIsAConflict() {
        create(unix, "{\"name\": \"dev\"}");

        assertThat(unix.post("/sandboxes", "{\"name\": \"dev\"}", "Content-Type", JSON).status()).isEqualTo(409);
    }

    @Test
    void listGetAndDelete() {
        String a = create(unix, "{\"name\": \"one\"}");
        String b = create(unix, "{\"name\": \"two\"}");

        assertThat(unix.get("/sandboxes").json().get("sandboxes")).extracting(n -> n.get("id").asText())
                .containsExactly(a, b);
        assertThat(unix.get("/sandboxes/" + a).json().get("name").asText()).isEqualTo("one");

        TestHttp.Reply deleted = unix.delete("/sandboxes/" + a);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().get("state").asText()).isEqualTo("DELETED");
        assertThat(unix.get("/sandboxes/" + a).status()).isEqualTo(404);
        assertThat(unix.get("/sandboxes").json().get("sandboxes")).hasSize(1);
    }

    @Test
    void suspendResumeAndKeepAliveAnswerTheSandbox() {
        String id = create(unix, "{}");

        assertThat(unix.post("/sandboxes/" + id + "/suspend", null).json().get("state").asText()).isEqualTo("SUSPENDED");
        assertThat(unix.post("/sandboxes/" + id + "/resume", null).json().get("state").asText()).isEqualTo("RUNNING");
        TestHttp.Reply kept = unix.post("/sandboxes/" + id + "/keepalive", null);
        assertThat(kept.status()).isEqualTo(200);
        assertThat(kept.json().get("lastActivity").asText()).isNotEmpty();
    }

    @Test
    void unknownIdsAre404OnEverySandboxRoute() {
        for (String[] route : new String[][] {{"GET", "/sandboxes/sb-000000000000"},
                {"DELETE", "/sandboxes/sb-000000000000"}, {"POST", "/sandboxes/sb-000000000000/suspend"},
                {"POST", "/sandboxes/sb-000000000000/resume"}, {"POST", "/sandboxes/sb-000000000000/keepalive"},
                {"GET", "/snapshots/snap-000000000000"}, {"DELETE", "/snapshots/snap-000000000000"}}) {
            TestHttp.Reply r = unix.send(route[0], route[1], null);
            assertThat(r.status()).as(route[0] + " " + route[1]).isEqualTo(404);
            assertThat(r.json().get("error").asText()).isEqualTo("not_found");
        }
    }

    @Test
    void aSnapshotSavesTheWorkspaceAndANewSandboxStartsFromIt() throws Exception {
        String id = create(unix, "{}");
        Files.writeString(sandboxes.workspace(id).resolve("notes.txt"), "kept");

        TestHttp.Reply r = unix.post("/sandboxes/" + id + "/snapshots", "{\"name\": \"before\"}", "Content-Type", JSON);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        JsonNode snap = r.json();
        assertThat(snap.fieldNames()).toIterable().containsExactly("id", "tenant", "sandboxId", "name", "status",
                "sizeBytes", "location", "message", "createdAt");
        assertThat(snap.get("status").asText()).isEqualTo("complete");
        assertThat(snap.get("sandboxId").asText()).isEqualTo(id);
        assertThat(snap.get("sizeBytes").asLong()).isEqualTo(4);
        String sid = snap.get("id").asText();

        String copy = create(unix, "{\"fromSnapshot\": \"" + sid + "\"}");
        assertThat(Files.readString(sandboxes.workspace(copy).resolve("notes.txt"))).isEqualTo("kept");
        assertThat(unix.get("/sandboxes/" + copy).json().get("fromSnapshot").asText()).isEqualTo(sid);
    }

    @Test
    void anAsyncSnapshotIsAcceptedAndCompletesLater() throws Exception {
        String id = create(unix, "{}");

        TestHttp.Reply r = unix.post("/sandboxes/" + id + "/snapshots", "{\"async\": true}", "Content-Type", JSON);

        assertThat(r.status()).isEqualTo(202);
        assertThat(r.json().get("status").asText()).isEqualTo("in_progress");
        String sid = r.json().get("id").asText();
        assertThat(r.header("location")).isEqualTo("/snapshots/" + sid);
        eventually(() -> unix.get("/snapshots/" + sid).json().get("status").asText().equals("complete"));
    }

    @Test
    void snapshotsAreListedAndDeleted() {
        String id = create(unix, "{}");
        String sid = unix.post("/sandboxes/" + id + "/snapshots", "", "Content-Type", JSON).json().get("id").asText();

        assertThat(unix.get("/snapshots").json().get("snapshots")).extracting(n -> n.get("id").asText())
                .containsExactly(sid);
        assertThat(unix.delete("/snapshots/" + sid).status()).isEqualTo(204);
        assertThat(unix.get("/snapshots/" + sid).status()).isEqualTo(404);
        assertThat(unix.get("/snapshots").json().get("snapshots")).isEmpty();
    }

    @Test
    void aBadSnapshotBodyNamesTheField() {
        String id = create(unix, "{}");

        TestHttp.Reply r = unix.post("/sandboxes/" + id + "/snapshots", "{\"async\": \"yes\"}", "Content-Type", JSON);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("details").get("field").asText()).isEqualTo("async");
    }

    @Test
    void aServiceFailureIsMappedByTheOneErrorMapping() {
        sandboxes.failNext(new dev.era.api.QuotaExceededException("tenant a may have 2 sandboxes",
                java.util.Map.of("limit", 2)));

        TestHttp.Reply r = unix.post("/sandboxes", "{}", "Content-Type", JSON);

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.json().get("error").asText()).isEqualTo("quota_exceeded");
    }

    @Test
    void withoutASandboxServiceThereAreNoSandboxRoutes(@org.junit.jupiter.api.io.TempDir Path tmp) {
        try (EraServer plain = EraServer.start(HttpConfig.tcp("127.0.0.1", 0), fake, new FakeAuthenticator())) {
            assertThat(TestHttp.tcp(plain.tcpPort()).get("/sandboxes", KEY_A).status()).isEqualTo(404);
        }
    }
}
