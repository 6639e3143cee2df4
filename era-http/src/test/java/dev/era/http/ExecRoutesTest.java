package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static dev.era.http.SandboxRoutesTest.JSON;
import static org.assertj.core.api.Assertions.assertThat;

class ExecRoutesTest extends ApiTest {
    private String id;

    @org.junit.jupiter.api.BeforeEach
    void sandbox() {
        id = SandboxRoutesTest.create(unix, "{}");
    }

    private TestHttp.Reply exec(String body) {
        return unix.post("/sandboxes/" + id + "/exec", body, "Content-Type", JSON);
    }

    private String start(String body) {
        TestHttp.Reply r = unix.post("/sandboxes/" + id + "/executions", body, "Content-Type", JSON);
        assertThat(r.status()).as(r.text()).isEqualTo(202);
        return r.json().get("executionId").asText();
    }

    @Test
    void syncExecAnswersExitCodeAndBothStreams() {
        TestHttp.Reply r = exec("{\"command\": \"echo out; echo err >&2; exit 3\"}");

        assertThat(r.status()).as(r.text()).isEqualTo(200);
        JsonNode e = r.json();
        assertThat(e.fieldNames()).toIterable().contains("executionId", "exitCode", "stdout", "stderr", "truncated",
                "status");
        assertThat(e.get("exitCode").asInt()).isEqualTo(3);
        assertThat(e.get("stdout").asText()).isEqualTo("out\n");
        assertThat(e.get("stderr").asText()).isEqualTo("err\n");
        assertThat(e.get("truncated").asBoolean()).isFalse();
        assertThat(e.get("status").asText()).isEqualTo("completed");
    }

    @Test
    void anArgvCommandRunsWithoutAShellInTheWorkspace() {
        TestHttp.Reply r = exec("{\"command\": [\"pwd\"]}");

        assertThat(r.json().get("stdout").asText().trim()).isEqualTo(sandboxes.workspace(id).toString());
    }

    @Test
    void envAndWorkingDirReachTheCommand() throws Exception {
        java.nio.file.Files.createDirectories(sandboxes.workspace(id).resolve("sub"));

        TestHttp.Reply r = exec("{\"command\": \"echo $GREETING; basename $PWD\", \"env\": {\"GREETING\": \"hi\"},"
                + " \"workingDir\": \"/workspace/sub\"}");

        assertThat(r.json().get("stdout").asText()).isEqualTo("hi\nsub\n");
    }

    @Test
    void outputBeyondTheCapIsTruncatedAndFlagged() {
        TestHttp.Reply r = exec("{\"command\": \"head -c 5000 /dev/zero | tr '\\\\0' x\", \"maxOutputBytes\": 100}");

        assertThat(r.json().get("stdout").asText()).hasSize(100);
        assertThat(r.json().get("truncated").asBoolean()).isTrue();
    }

    @Test
    void aTimeoutKillsTheCommand() {
        TestHttp.Reply r = exec("{\"command\": \"sleep 30\", \"timeout\": \"200ms\"}");

        assertThat(r.json().get("status").asText()).isEqualTo("killed");
    }

    @Test
    void badExecBodiesNameTheField() {
        assertBad("{}", "command");
        assertBad("{\"command\": \"\"}", "command");
        assertBad("{\"command\": \"ls\", \"timeout\": \"forever\"}", "timeout");
        assertBad("{\"command\": \"ls\", \"maxOutputBytes\": -1}", "maxOutputBytes");
        assertBad("{\"command\": \"ls\", \"tty\": true}", "tty");
        assertBad("{\"command\": \"ls\", \"env\": {\"A\": \"x\", \"B\": 2}}", "env.B");
        assertBad("{\"command\": \"ls\", \"shell\": 1}", "shell");
    }

    private void assertBad(String body, String field) {
        for (String route : new String[] {"/exec", "/executions"}) {
            TestHttp.Reply r = unix.post("/sandboxes/" + id + route, body, "Content-Type", JSON);
            assertThat(r.status()).as(route + " " + body + " -> " + r.text()).isEqualTo(400);
            assertThat(r.json().get("details").get("field").asText()).as(body).isEqualTo(field);
        }
    }

    @Test
    void asyncExecIsAcceptedThenAwaited() {
        TestHttp.Reply r = unix.post("/sandboxes/" + id + "/executions", "{\"command\": \"sleep 0.2; echo done\"}",
                "Content-Type", JSON);

        assertThat(r.status()).isEqualTo(202);
        String eid = r.json().get("executionId").asText();
        assertThat(r.header("location")).isEqualTo("/sandboxes/" + id + "/executions/" + eid);
        assertThat(r.json().get("status").asText()).isEqualTo("running");
        assertThat(r.json().get("exitCode").isNull()).isTrue();

        JsonNode done = unix.post("/sandboxes/" + id + "/executions/" + eid + "/wait?timeout=10s", null).json();
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("exitCode").asInt()).isZero();
        assertThat(done.get("stdout").asText()).isEqualTo("done\n");
        assertThat(unix.get("/sandboxes/" + id + "/executions/" + eid).json().get("stdout").asText()).isEqualTo("done\n");
        assertThat(unix.get("/sandboxes/" + id + "/executions").json().get("executions"))
                .extracting(n -> n.get("executionId").asText()).containsExactly(eid);
    }

    @Test
    void waitAnswersTheRunningExecutionWhenItsTimeoutPasses() {
        String eid = start("{\"command\": \"sleep 30\"}");

        JsonNode e = unix.post("/sandboxes/" + id + "/executions/" + eid + "/wait?timeout=100ms", null).json();

        assertThat(e.get("status").asText()).isEqualTo("running");
        assertThat(unix.post("/sandboxes/" + id + "/executions/" + eid + "/wait?timeout=forever", null).status())
                .isEqualTo(400);
        assertThat(unix.post("/sandboxes/" + id + "/executions/" + eid + "/wait?timeout=11m", null).status())
                .isEqualTo(400);
    }

    @Test
    void killEndsTheCommand() {
        String eid = start("{\"command\": \"sleep 30\"}");

        JsonNode e = unix.post("/sandboxes/" + id + "/executions/" + eid + "/kill", null).json();

        assertThat(e.get("status").asText()).isEqualTo("killed");
    }

    @Test
    void stdinIsFedRawAndClosed() {
        String eid = start("{\"command\": \"cat; echo end\"}");

        TestHttp.Reply fed = unix.send("POST", "/sandboxes/" + id + "/executions/" + eid + "/stdin",
                new byte[] {'a', 0, (byte) 0xff, '\n'}, "Content-Type", "application/octet-stream");
        assertThat(fed.status()).isEqualTo(204);
        assertThat(unix.send("POST", "/sandboxes/" + id + "/executions/" + eid + "/stdin?close=true", "b".getBytes())
                .status()).isEqualTo(204);

        JsonNode done = unix.post("/sandboxes/" + id + "/executions/" + eid + "/wait?timeout=10s", null).json();
        assertThat(done.get("exitCode").asInt()).isZero();
        assertThat(done.get("stdout").asText()).startsWith("a\u0000").endsWith("\nbend\n");
    }

    @Test
    void theStreamSendsStdoutStderrAndAFinalStatus() {
        String eid = start("{\"command\": \"echo one; sleep 0.1; echo two >&2; exit 4\"}");

        try (TestHttp.SseStream s = unix.sse("/sandboxes/" + id + "/executions/" + eid + "/stream")) {
            assertThat(s.head.status()).isEqualTo(200);
            assertThat(s.head.header("content-type")).startsWith("text/event-stream");
            TestHttp.SseEvent out = s.next();
            assertThat(out.event()).isEqualTo("stdout");
            assertThat(out.id()).isEqualTo("4,0");
            assertThat(json(out).get("offset").asLong()).isZero();
            assertThat(json(out).get("data").asText()).isEqualTo("one\n");
            TestHttp.SseEvent err = s.next();
            assertThat(err.event()).isEqualTo("stderr");
            assertThat(err.id()).isEqualTo("4,4");
            assertThat(json(err).get("data").asText()).isEqualTo("two\n");
            TestHttp.SseEvent status = s.next();
            assertThat(status.event()).isEqualTo("status");
            assertThat(json(status).get("exitCode").asInt()).isEqualTo(4);
            assertThat(json(status).get("stdoutOffset").asLong()).isEqualTo(4);
            s.awaitEnd();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theStreamResumesFromOffsetsWithoutRepeats() {
        String eid = start("{\"command\": \"printf abcdef; printf XYZ >&2\"}");
        unix.post("/sandboxes/" + id + "/executions/" + eid + "/wait?timeout=10s", null);

        try (TestHttp.SseStream s = unix.sse("/sandboxes/" + id + "/executions/" + eid + "/stream?stdoutOffset=4"
                + "&stderrOffset=1")) {
            TestHttp.SseEvent out = s.next();
            assertThat(json(out).get("offset").asLong()).isEqualTo(4);
            assertThat(json(out).get("data").asText()).isEqualTo("ef");
            assertThat(json(s.next()).get("data").asText()).isEqualTo("YZ");
            assertThat(s.next().event()).isEqualTo("status");
        }
        try (TestHttp.SseStream s = unix.sse("/sandboxes/" + id + "/executions/" + eid + "/stream",
                "Last-Event-ID", "6,2")) {
            TestHttp.SseEvent err = s.next();
            assertThat(err.event()).isEqualTo("stderr");
            assertThat(json(err).get("data").asText()).isEqualTo("Z");
            assertThat(s.next().event()).isEqualTo("status");
        }
    }

    @Test
    void bytesThatAreNotUtf8AreSentAsBase64() {
        String eid = start("{\"command\": \"printf '\\\\377\\\\376'\"}");

        try (TestHttp.SseStream s = unix.sse("/sandboxes/" + id + "/executions/" + eid + "/stream")) {
            JsonNode out = json(s.next());
            assertThat(out.has("data")).isFalse();
            assertThat(Base64.getDecoder().decode(out.get("base64").asText())).containsExactly(0xff, 0xfe);
        }
    }

    @Test
    void badStreamParametersAre400() {
        String eid = start("{\"command\": \"true\"}");
        String stream = "/sandboxes/" + id + "/executions/" + eid + "/stream";

        assertThat(unix.get(stream + "?stdoutOffset=-1").status()).isEqualTo(400);
        assertThat(unix.get(stream + "?offset=1").status()).isEqualTo(400);
        assertThat(unix.get(stream, "Last-Event-ID", "7").status()).isEqualTo(400);
        assertThat(unix.get(stream, "Last-Event-ID", "a,b").status()).isEqualTo(400);
    }

    @Test
    void unknownExecutionsAre404OnEveryRoute() {
        String base = "/sandboxes/" + id + "/executions/ex-000000000000";
        for (String[] route : new String[][] {{"GET", base}, {"POST", base + "/wait"}, {"POST", base + "/kill"},
                {"POST", base + "/stdin"}, {"GET", base + "/stream"}}) {
            TestHttp.Reply r = unix.send(route[0], route[1], route[0].equals("POST") ? new byte[0] : null);
            assertThat(r.status()).as(route[0] + " " + route[1]).isEqualTo(404);
        }
        assertThat(exec("{\"command\": \"true\"}").status()).isEqualTo(200);
        assertThat(unix.post("/sandboxes/sb-000000000000/exec", "{\"command\": \"true\"}", "Content-Type", JSON)
                .status()).isEqualTo(404);
    }

    @Test
    void anExecResumesASuspendedSandbox() {
        unix.post("/sandboxes/" + id + "/suspend", null);

        assertThat(exec("{\"command\": \"true\"}").status()).isEqualTo(200);
        assertThat(unix.get("/sandboxes/" + id).json().get("state").asText()).isEqualTo("RUNNING");
    }

    private static JsonNode json(TestHttp.SseEvent e) {
        try {
            return TestHttp.JSON.readTree(e.data().getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException x) {
            throw new AssertionError(e.data(), x);
        }
    }
}
