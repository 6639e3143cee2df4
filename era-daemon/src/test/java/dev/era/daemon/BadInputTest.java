package dev.era.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.client.EraClient;
import dev.era.client.IssuedKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input sent over TCP to a real daemon with its real API keys: each gets the right 4xx and a
 * message naming the field, and nothing is stored (deployments, events and files are unchanged).
 */
class BadInputTest {
    private static final String YAML = "application/yaml";
    private static final String JSON = "application/json";

    @TempDir
    static Path dir;
    static DaemonProcess daemon;
    static RawHttp http;
    static String adminKey;
    static EraClient unix;

    private Snapshot before;

    /** What "nothing stored" compares: the deployments, the newest event and the deployment directories. */
    private record Snapshot(List<String> deployments, long eventHead, List<String> directories) {}

    @BeforeAll
    static void start() {
        daemon = DaemonProcess.start(dir);
        adminKey = daemon.firstKey();
        assertThat(adminKey).as("first-start key on stdout:\n" + daemon.log()).startsWith("era_");
        http = new RawHttp(daemon.tcpPort());
        unix = daemon.unix();
        assertThat(unix.deploy("name: web\ncommand: [sleep, '1000']\n", Duration.ofSeconds(60)).state())
                .isEqualTo("RUNNING");
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @BeforeEach
    void remember() throws IOException {
        before = snapshot();
    }

    @AfterEach
    void nothingWasStored() throws IOException {
        assertThat(snapshot()).isEqualTo(before);
    }

    private static Snapshot snapshot() throws IOException {
        try (Stream<Path> dirs = Files.list(dir.resolve("deployments"))) {
            return new Snapshot(unix.list().stream().map(d -> d.name() + "/" + d.state() + "/" + d.pid()).toList(),
                    unix.eventHead(), dirs.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static RawHttp.Reply deploy(String spec, String type) {
        return http.post("/deployments", spec, "Authorization", "Bearer " + adminKey, "Content-Type", type);
    }

    /** A 400 invalid_spec whose details and message name the field. */
    private static void refused(String spec, String type, String field) {
        RawHttp.Reply r = deploy(spec, type);
        assertThat(r.status()).as(spec + " -> " + r).isEqualTo(400);
        JsonNode body = r.json();
        assertThat(body.get("error").asText()).isEqualTo("invalid_spec");
        assertThat(body.at("/details/field").asText()).as(spec).isEqualTo(field);
        assertThat(body.get("message").asText()).as(spec).contains("'" + field + "'");
    }

    @Test
    void malformedYamlAndJsonAreRefusedWithWhereTheyBreak() {
        refused("name: web2\ncommand: [sleep, '1'\n", YAML, "(document)");
        refused("{\"name\": \"web2\", \"command\": [\"sleep\"", JSON, "(document)");
        refused("", YAML, "(document)");
        assertThat(deploy("name: [web2\n", YAML).json().get("message").asText()).contains("not valid YAML or JSON");
    }

    @Test
    void missingAndUnknownFieldsAreNamed() {
        refused("command: [sleep, '1']\n", YAML, "name");
        refused("name: web2\n", YAML, "command");
        refused("name: web2\ncomand: [sleep, '1']\ncommand: [sleep, '1']\n", YAML, "comand");
        refused("{\"name\": \"web2\", \"command\": [\"sleep\", \"1\"], \"resources\": {\"memroy\": \"64Mi\"}}", JSON,
                "resources.memroy");
        refused("name: web2\ncommand: sleep 1\n", YAML, "command");
        refused("name: Web App\ncommand: [sleep, '1']\n", YAML, "name");
    }

    @Test
    void anUnknownEngineIsRefusedWithTheEnginesThereAre() {
        RawHttp.Reply r = deploy("name: web2\nengine: docker\ncommand: [sleep, '1']\n", YAML);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/details/field").asText()).isEqualTo("engine");
        assertThat(r.json().get("message").asText()).contains("docker").contains("process");
    }

    @Test
    void negativeAndAbsurdResourcesAreRefused() {
        String base = "name: web2\ncommand: [sleep, '1']\n";
        refused(base + "resources: {memory: -64Mi}\n", YAML, "resources.memory");
        refused(base + "resources: {memory: 100Ti}\n", YAML, "resources.memory");
        refused(base + "resources: {cpu: -1}\n", YAML, "resources.cpu");
        refused(base + "resources: {cpu: 100000}\n", YAML, "resources.cpu");
        refused(base + "resources: {pids: 1000000000000}\n", YAML, "resources.pids");
        refused(base + "resources: {pids: -5}\n", YAML, "resources.pids");
        refused(base + "restart: {backoff: -1s}\n", YAML, "restart.backoff");
        refused(base + "stopTimeout: 100h\n", YAML, "stopTimeout");
    }

    @Test
    void aDuplicateNameIsAConflictThatNamesIt() {
        RawHttp.Reply r = deploy("name: web\ncommand: [sleep, '5']\n", YAML);

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("error").asText()).isEqualTo("conflict");
        assertThat(r.json().get("message").asText()).contains("web");
    }

    @Test
    void anUnknownIdOrNameIsNotFoundOnEveryRoute() {
        String[] key = {"Authorization", "Bearer " + adminKey};
        List<RawHttp.Reply> replies = List.of(
                http.get("/deployments/d-000000000000", key),
                http.get("/deployments/nope/status", key),
                http.send("DELETE", "/deployments/d-000000000000", null, key),
                http.send("POST", "/deployments/nope/stop", new byte[0], key),
                http.send("POST", "/deployments/nope/start", new byte[0], key),
                http.get("/logs?deployment=nope", key));
        for (RawHttp.Reply r : replies) {
            assertThat(r.status()).as(r.toString()).isEqualTo(404);
            assertThat(r.json().get("error").asText()).isEqualTo("not_found");
            assertThat(r.json().get("message").asText()).containsAnyOf("nope", "d-000000000000");
        }
    }

    @Test
    void aWrongOrMissingKeyIsUnauthorizedAndSaysHowToGetOne() {
        RawHttp.Reply wrong = http.post("/deployments", "name: web2\ncommand: [sleep, '1']\n",
                "Authorization", "Bearer era_0000000000000000000000000000000000000000000000000000000000000000",
                "Content-Type", YAML);
        RawHttp.Reply none = http.post("/deployments", "name: web2\ncommand: [sleep, '1']\n", "Content-Type", YAML);

        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("message").asText()).contains("era keys create");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("message").asText()).contains("Authorization: Bearer");
        assertThat(http.get("/health").status()).isEqualTo(200);
    }

    @Test
    void badRequestsOutsideTheSpecAreNamedToo() {
        RawHttp.Reply param = http.post("/deployments?wiat=5s", "name: web2\ncommand: [sleep, '1']\n",
                "Authorization", "Bearer " + adminKey, "Content-Type", YAML);
        assertThat(param.status()).isEqualTo(400);
        assertThat(param.json().get("message").asText()).contains("wiat");

        RawHttp.Reply type = deploy("<html/>", "text/html");
        assertThat(type.status()).isEqualTo(415);

        byte[] huge = ("name: web2\ncommand: [sleep, '1']\nenv: {A: '" + "x".repeat(2 << 20) + "'}\n")
                .getBytes(StandardCharsets.UTF_8);
        RawHttp.Reply big = http.send("POST", "/deployments", huge, "Authorization", "Bearer " + adminKey,
                "Content-Type", YAML);
        assertThat(big.status()).isEqualTo(413);
    }

    @Test
    void keysIssuedByTheAdminActForTheirTenantOnlyAndCannotManageKeys() {
        RawHttp.Reply made = http.post("/admin/keys", "{\"tenant\": \"acme\", \"label\": \"ci\"}",
                "Authorization", "Bearer " + adminKey, "Content-Type", JSON);
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        String acmeKey = made.json().get("key").asText();
        String[] acme = {"Authorization", "Bearer " + acmeKey};

        assertThat(http.get("/deployments", acme).json().get("deployments")).isEmpty();
        assertThat(http.get("/deployments/web", acme).status()).isEqualTo(404);
        assertThat(http.get("/admin/keys", acme).status()).isEqualTo(403);
        assertThat(http.post("/admin/keys", "{\"tenant\": \"default\"}", "Authorization", "Bearer " + acmeKey,
                "Content-Type", JSON).status()).isEqualTo(403);
        RawHttp.Reply listed = http.get("/admin/keys", "Authorization", "Bearer " + adminKey);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.json().get("keys")).extracting(k -> k.get("tenant").asText()).contains("default", "acme");
        assertThat(listed.text()).doesNotContain(acmeKey).doesNotContain(adminKey);

        RawHttp.Reply badTenant = http.post("/admin/keys", "{\"tenant\": \"ACME\"}", "Authorization",
                "Bearer " + adminKey, "Content-Type", JSON);
        assertThat(badTenant.status()).isEqualTo(400);
        assertThat(badTenant.json().at("/details/field").asText()).isEqualTo("tenant");
    }

    @Test
    void theUnixSocketIssuesKeysWithoutOne() {
        IssuedKey k = unix.createKey("ops", "");

        assertThat(daemon.tcp(k.secret()).list()).isEmpty();
        assertThat(unix.keys()).contains(k.apiKey());
    }
}
