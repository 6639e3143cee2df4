package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeploymentRoutesTest extends ApiTest {
    @Test
    void postingYamlCreatesADeployment() {
        TestHttp.Reply r = unix.post("/deployments", spec("web"), "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(201);
        JsonNode d = r.json();
        assertThat(d.get("id").asText()).matches("d-[0-9a-f]{12}");
        assertThat(r.header("location")).isEqualTo("/deployments/" + d.get("id").asText());
        assertThat(d.get("name").asText()).isEqualTo("web");
        assertThat(d.get("tenant").asText()).isEqualTo("default");
        assertThat(d.get("engine").asText()).isEqualTo("process");
        assertThat(d.get("state").asText()).isEqualTo("VALIDATING");
        assertThat(d.get("spec").get("command").get(0).asText()).isEqualTo("sleep");
    }

    @Test
    void postingJsonCreatesADeployment() {
        TestHttp.Reply r = tcp.post("/deployments", "{\"name\":\"api\",\"command\":[\"true\"]}",
                with(KEY_A, "Content-Type", "application/json; charset=utf-8"));

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("tenant").asText()).isEqualTo("a");
    }

    @Test
    void postingWithoutContentTypeReadsYaml() {
        assertThat(unix.post("/deployments", spec("web")).status()).isEqualTo(201);
    }

    @Test
    void waitReturnsTheSettledDeployment() {
        TestHttp.Reply r = unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("state").asText()).isEqualTo("RUNNING");
        assertThat(r.json().get("pid").asLong()).isPositive();
    }

    @Test
    void waitReportsAFailureWithItsMessage() {
        String spec = spec("broken") + "env:\n  FAKE_FAIL: binary not found\n";
        TestHttp.Reply r = unix.post("/deployments?wait=10s", spec, "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("state").asText()).isEqualTo("FAILED");
        assertThat(r.json().get("message").asText()).isEqualTo("binary not found");
        assertThat(r.json().get("lastExitCode").asInt()).isEqualTo(1);
    }

    @Test
    void listGetByNameAndById() {
        String id = unix.post("/deployments", spec("web"), "Content-Type", YAML).json().get("id").asText();
        unix.post("/deployments", spec("db"), "Content-Type", YAML);

        assertThat(unix.get("/deployments").json().get("deployments")).extracting(n -> n.get("name").asText())
                .containsExactly("web", "db");
        assertThat(unix.get("/deployments/web").json().get("id").asText()).isEqualTo(id);
        assertThat(unix.get("/deployments/" + id).json().get("name").asText()).isEqualTo("web");
        assertThat(unix.get("/deployments/" + id + "/").status()).isEqualTo(200);
    }

    @Test
    void statusAddsObservedStateAndLogTail() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);
        for (int i = 0; i < 5; i++) {
            fake.appendLog("web", "line " + i);
        }

        JsonNode s = unix.get("/deployments/web/status?lines=3").json();

        assertThat(s.get("name").asText()).isEqualTo("web");
        assertThat(s.get("observed").get("state").asText()).isEqualTo("running");
        assertThat(s.get("observed").get("pid").asLong()).isEqualTo(s.get("pid").asLong());
        assertThat(s.get("observed").has("startedAt")).isTrue();
        assertThat(s.get("logTail")).extracting(JsonNode::asText).containsExactly("line 2", "line 3", "line 4");
    }

    @Test
    void stopAndStartWithWait() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);

        TestHttp.Reply stopped = unix.post("/deployments/web/stop?wait=10s", null);
        assertThat(stopped.status()).isEqualTo(200);
        assertThat(stopped.json().get("state").asText()).isEqualTo("STOPPED");
        assertThat(unix.get("/deployments/web/status").json().get("observed").get("state").asText()).isEqualTo("exited");

        TestHttp.Reply started = unix.post("/deployments/web/start?wait=10s", null);
        assertThat(started.json().get("state").asText()).isEqualTo("RUNNING");
    }

    @Test
    void stopWithoutWaitAnswersAtOnce() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);

        TestHttp.Reply r = unix.post("/deployments/web/stop", null);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("state").asText()).isEqualTo("STOPPING");
    }

    @Test
    void stoppingAStoppedDeploymentIsAConflict() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);
        unix.post("/deployments/web/stop?wait=10s", null);

        TestHttp.Reply r = unix.post("/deployments/web/stop", null);

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("error").asText()).isEqualTo("illegal_transition");
        assertThat(r.json().get("details").get("event").asText()).isEqualTo("stop");
    }

    @Test
    void deleteRemovesTheDeployment() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);

        TestHttp.Reply r = unix.delete("/deployments/web");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("state").asText()).isEqualTo("DELETED");
        assertThat(unix.get("/deployments/web").status()).isEqualTo(404);
    }

    @Test
    void deleteWithWaitAnswersDeletedEvenWhenTheRemovalFinishedFirst() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);

        TestHttp.Reply r = unix.delete("/deployments/web?wait=10s");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("state").asText()).isEqualTo("DELETED");
        assertThat(r.json().get("name").asText()).isEqualTo("web");
    }

    @Test
    void aDuplicateNameIsAConflict() {
        unix.post("/deployments", spec("web"), "Content-Type", YAML);

        TestHttp.Reply r = unix.post("/deployments", spec("web"), "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("error").asText()).isEqualTo("conflict");
        assertThat(r.json().get("details").get("name").asText()).isEqualTo("web");
    }

    @Test
    void anInvalidSpecNamesTheField() {
        TestHttp.Reply r = unix.post("/deployments", "name: web\nresources:\n  memory: lots\n", "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("invalid_spec");
        assertThat(r.json().get("details").get("field").asText()).isEqualTo("resources.memory");
        assertThat(r.json().get("message").asText()).contains("256Mi");
    }

    @Test
    void anEmptyBodyIsAnInvalidSpec() {
        TestHttp.Reply r = unix.post("/deployments", "", "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("empty");
    }

    @Test
    void anUnknownEngineIsAnInvalidSpec() {
        TestHttp.Reply r = unix.post("/deployments", spec("web") + "engine: nope\n", "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("details").get("field").asText()).isEqualTo("engine");
    }

    @Test
    void pluginsListEnginesWithCapabilities() {
        JsonNode p = tcp.get("/plugins", KEY_A).json().get("plugins");

        assertThat(p).extracting(n -> n.get("name").asText()).containsExactly("process", "wasm");
        assertThat(p.get(0).get("capabilities")).extracting(JsonNode::asText).containsExactly("LOGS", "METRICS", "SANDBOX");
    }

    @Test
    void headIsAnsweredLikeGetWithoutABody() {
        TestHttp.Reply r = unix.send("HEAD", "/health", null);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void puttingASpecMakesTheNextVersionAndVersionsListsThemAll() {
        String id = unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML).json().get("id").asText();
        String v2 = spec("web") + "env: {V: two}\n";

        TestHttp.Reply r = unix.send("PUT", "/deployments/web", v2.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "Content-Type", YAML);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("version").asInt()).isEqualTo(2);
        JsonNode versions = unix.get("/deployments/" + id + "/versions").json();
        assertThat(versions.get("current").asInt()).isEqualTo(2);
        assertThat(versions.get("versions")).hasSize(2);
        assertThat(versions.get("versions").get(1).get("spec").get("env").get("V").asText()).isEqualTo("two");
        assertThat(versions.get("versions").get(1).get("current").asBoolean()).isTrue();
    }

    @Test
    void rollbackGoesToTheNamedVersionAndAnUnknownOneIsNotFound() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);
        unix.send("PUT", "/deployments/web", (spec("web") + "env: {V: two}\n").getBytes(), "Content-Type", YAML);

        TestHttp.Reply back = unix.post("/deployments/web/rollback?to=1", "");
        TestHttp.Reply missing = unix.post("/deployments/web/rollback?to=7", "");
        TestHttp.Reply bad = unix.post("/deployments/web/rollback?to=zero", "");

        assertThat(back.status()).isEqualTo(200);
        assertThat(back.json().get("version").asInt()).isEqualTo(1);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("message").asText()).contains("no version 7");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).contains("to");
    }

    @Test
    void anUpdateWithABadSpecIsRejectedNamingTheField() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);
        TestHttp.Reply r = unix.send("PUT", "/deployments/web", (spec("web") + "update: {strategy: sideways}\n")
                .getBytes(), "Content-Type", YAML);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("update.strategy");
        assertThat(unix.get("/deployments/web/versions").json().get("versions")).hasSize(1);
    }
}
