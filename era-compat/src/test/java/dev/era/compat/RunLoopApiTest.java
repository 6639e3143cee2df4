package dev.era.compat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The RunLoop wire API over the fake sandbox service; the real SDK against the real daemon is in era-daemon. */
class RunLoopApiTest {
    @TempDir
    static Path dir;
    static CompatServer server;

    @BeforeAll
    static void start() {
        server = new CompatServer(dir, s -> List.of(RunLoopApi.create(s, dir.resolve("scratch"), "none",
                Duration.ofMillis(300))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.sandboxes.reset();
    }

    static String create(String body) {
        CompatServer.Reply r = server.post("/v1/devboxes", body);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json().get("id").asText();
    }

    @Test
    void aCreatedDevboxShowsItsNameMetadataAndRunningStatus() {
        CompatServer.Reply r = server.post("/v1/devboxes", """
                {"name": "My Box", "metadata": {"team": "blue"}, "environment_variables": {"GREETING": "hi"},
                 "launch_parameters": {"resource_size_request": "SMALL", "after_idle": {"idle_time_seconds": 600,
                 "on_idle": "suspend"}}}""");
        JsonNode d = r.json();
        assertThat(d.get("status").asText()).isEqualTo("running");
        assertThat(d.get("name").asText()).isEqualTo("My Box");
        assertThat(d.get("metadata").toString()).isEqualTo("{\"team\":\"blue\"}");
        assertThat(d.get("launch_parameters").get("custom_cpu_cores").asDouble()).isEqualTo(1.0);
        assertThat(d.get("launch_parameters").get("after_idle").get("idle_time_seconds").asLong()).isEqualTo(600);
        JsonNode again = server.get("/v1/devboxes/" + d.get("id").asText()).json();
        assertThat(again.get("id").asText()).isEqualTo(d.get("id").asText());
        assertThat(again.get("end_time_ms").isNull()).isTrue();
    }

    @Test
    void listPagesWithTheCursorTheSdkSends() {
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            made.add(create("{}"));
        }
        List<String> seen = new ArrayList<>();
        String cursor = "";
        for (int page = 0; page < 5; page++) {
            JsonNode p = server.get("/v1/devboxes?limit=2" + cursor).json();
            p.get("devboxes").forEach(d -> seen.add(d.get("id").asText()));
            if (!p.get("has_more").asBoolean()) {
                break;
            }
            cursor = "&starting_after=" + seen.getLast();
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(made);
        assertThat(server.get("/v1/devboxes?status=suspended").json().get("devboxes")).isEmpty();
    }

    @Test
    void shutdownSuspendAndResumeAnswerDevboxViewsInRunLoopsStates() {
        String id = create("{}");
        assertThat(server.post("/v1/devboxes/" + id + "/suspend", "").json().get("status").asText()).isEqualTo("suspended");
        assertThat(server.post("/v1/devboxes/" + id + "/wait_for_status", "{\"statuses\": [\"suspended\"]}").json()
                .get("status").asText()).isEqualTo("suspended");
        assertThat(server.post("/v1/devboxes/" + id + "/resume", "").json().get("status").asText()).isEqualTo("running");
        assertThat(server.post("/v1/devboxes/" + id + "/keep_alive", "").status()).isEqualTo(200);
        CompatServer.Reply down = server.post("/v1/devboxes/" + id + "/shutdown", "");
        assertThat(down.json().get("status").asText()).isEqualTo("shutdown");
        assertThat(server.get("/v1/devboxes/" + id).status()).isEqualTo(404);
    }

    @Test
    void waitForAStatusThatDoesNotComeAnswers408ForTheSdkToAskAgain() {
        String id = create("{}");
        CompatServer.Reply r = server.post("/v1/devboxes/" + id + "/wait_for_status",
                "{\"statuses\": [\"suspended\"], \"timeout_seconds\": 0.2}");
        assertThat(r.status()).isEqualTo(408);
        assertThat(r.headers().firstValue("x-should-retry")).contains("true");
    }

    @Test
    void executeSyncAndExecuteReturnOutputAndExitStatus() {
        String id = create("{}");
        JsonNode sync = server.post("/v1/devboxes/" + id + "/execute_sync",
                "{\"command\": \"echo out; echo err >&2; exit 3\"}").json();
        assertThat(sync.get("exit_status").asInt()).isEqualTo(3);
        assertThat(sync.get("stdout").asText()).isEqualTo("out\n");
        assertThat(sync.get("stderr").asText()).isEqualTo("err\n");
        JsonNode done = server.post("/v1/devboxes/" + id + "/execute?last_n=2",
                "{\"command\": \"seq 1 5\", \"command_id\": \"c-1\"}").json();
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("stdout").asText()).isEqualTo("4\n5\n");
        assertThat(done.get("stdout_truncated").asBoolean()).isTrue();
    }

    @Test
    void anAsyncExecutionIsWaitedForKilledAndRetrieved() {
        String id = create("{}");
        JsonNode started = server.post("/v1/devboxes/" + id + "/execute_async", "{\"command\": \"sleep 30\"}").json();
        String eid = started.get("execution_id").asText();
        assertThat(started.get("status").asText()).isEqualTo("running");
        String one = "/v1/devboxes/" + id + "/executions/" + eid;
        assertThat(server.post(one + "/wait_for_status", "{\"statuses\": [\"completed\"], \"timeout_seconds\": 0.2}")
                .status()).isEqualTo(408);
        assertThat(server.post(one + "/wait_for_status", "{\"statuses\": [\"running\"]}").json().get("status")
                .asText()).isEqualTo("running");
        JsonNode killed = server.post(one + "/kill", "{}").json();
        assertThat(killed.get("status").asText()).isEqualTo("completed");
        assertThat(killed.get("exit_status").asInt()).isNotZero();
        assertThat(server.get(one).json().get("status").asText()).isEqualTo("completed");
    }

    @Test
    void stdinReachesAnAsyncCommandAndEofEndsIt() {
        String id = create("{}");
        String eid = server.post("/v1/devboxes/" + id + "/execute_async", "{\"command\": \"cat\", \"attach_stdin\": true}")
                .json().get("execution_id").asText();
        String one = "/v1/devboxes/" + id + "/executions/" + eid;
        assertThat(server.post(one + "/send_std_in", "{\"text\": \"hello\\n\"}").json().get("success").asBoolean()).isTrue();
        server.post(one + "/send_std_in", "{\"signal\": \"EOF\"}");
        JsonNode done = server.post(one + "/wait_for_status", "{\"statuses\": [\"completed\"]}").json();
        assertThat(done.get("stdout").asText()).isEqualTo("hello\n");
        assertThat(done.get("exit_status").asInt()).isZero();
    }

    @Test
    void stdoutStreamsAsServerSentEventsWithResumableOffsets() {
        String id = create("{}");
        String eid = server.post("/v1/devboxes/" + id + "/execute_async",
                "{\"command\": \"printf 'h\\\\xc3'; sleep 0.2; printf '\\\\xa9llo\\\\n'; echo e >&2\"}").json()
                .get("execution_id").asText();
        String stream = "/v1/devboxes/" + id + "/executions/" + eid + "/stream_stdout_updates";
        CompatServer.Reply r = server.get(stream);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<JsonNode> events = events(r.text());
        StringBuilder all = new StringBuilder();
        events.forEach(e -> all.append(e.get("output").asText()));
        assertThat(all.toString()).isEqualTo("h\u00e9llo\n");
        assertThat(events.getLast().get("offset").asLong()).isEqualTo("h\u00e9llo\n".getBytes(StandardCharsets.UTF_8).length);
        List<JsonNode> resumed = events(server.get(stream + "?offset=3").text());
        StringBuilder tail = new StringBuilder();
        resumed.forEach(e -> tail.append(e.get("output").asText()));
        assertThat(tail.toString()).isEqualTo("llo\n");
    }

    static List<JsonNode> events(String sse) {
        List<JsonNode> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            for (String line : block.split("\n")) {
                if (line.startsWith("data: ")) {
                    try {
                        out.add(Call.JSON.readTree(line.substring(6)));
                    } catch (java.io.IOException e) {
                        throw new AssertionError(line, e);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void filesGoInAsTextOrMultipartAndComeBackByteForByte() {
        String id = create("{}");
        String box = "/v1/devboxes/" + id;
        assertThat(server.post(box + "/write_file_contents", "{\"file_path\": \"notes/a.txt\", \"contents\": \"h\u00e9\"}")
                .json().get("exit_status").asInt()).isZero();
        assertThat(server.post(box + "/read_file_contents", "{\"file_path\": \"/workspace/notes/a.txt\"}").text())
                .isEqualTo("h\u00e9");
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        String boundary = "----era" + System.nanoTime();
        byte[] multipart = multipart(boundary, "/workspace/bin/blob", data);
        CompatServer.Reply up = server.send(HttpRequest.newBuilder(server.uri(box + "/upload_file"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart)), CompatServer.KEY_A, "Authorization");
        assertThat(up.status()).as(up.text()).isEqualTo(200);
        CompatServer.Reply down = server.post(box + "/download_file", "{\"path\": \"bin/blob\"}");
        assertThat(down.headers().firstValue("content-type")).contains("application/octet-stream");
        assertThat(down.body()).isEqualTo(data);
        assertThat(server.post(box + "/read_file_contents", "{\"file_path\": \"../../etc/passwd\"}").status())
                .isBetween(400, 404);
    }

    /** The file part first: the SDK's order depends on the caller's object, so both orders must work. */
    static byte[] multipart(String boundary, String path, byte[] data) {
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"blob\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(data);
        out.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n" + path
                + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void aSnapshotSeedsANewDevboxAndIsListedAndDeleted() {
        String id = create("{}");
        server.post("/v1/devboxes/" + id + "/write_file_contents", "{\"file_path\": \"kept.txt\", \"contents\": \"v1\"}");
        JsonNode snap = server.post("/v1/devboxes/" + id + "/snapshot_disk", "{\"name\": \"first\"}").json();
        String sid = snap.get("id").asText();
        assertThat(snap.get("source_devbox_id").asText()).isEqualTo(id);
        JsonNode status = server.get("/v1/devboxes/disk_snapshots/" + sid + "/status").json();
        assertThat(status.get("status").asText()).isEqualTo("complete");
        JsonNode list = server.get("/v1/devboxes/disk_snapshots?devbox_id=" + id).json();
        assertThat(list.get("snapshots").get(0).get("id").asText()).isEqualTo(sid);
        String copy = create("{\"snapshot_id\": \"" + sid + "\"}");
        assertThat(server.post("/v1/devboxes/" + copy + "/read_file_contents", "{\"file_path\": \"kept.txt\"}").text())
                .isEqualTo("v1");
        assertThat(server.post("/v1/devboxes/disk_snapshots/" + sid + "/delete", "").status()).isEqualTo(200);
        assertThat(server.get("/v1/devboxes/disk_snapshots/" + sid + "/status").status()).isEqualTo(404);
    }

    @Test
    void fileMountsAndLaunchCommandsRunAtCreate() {
        String id = create("""
                {"file_mounts": {"/workspace/conf/app.env": "MODE=test"},
                 "launch_parameters": {"launch_commands": ["cp conf/app.env conf/copy.env"]}}""");
        assertThat(server.post("/v1/devboxes/" + id + "/read_file_contents", "{\"file_path\": \"conf/copy.env\"}").text())
                .isEqualTo("MODE=test");
        CompatServer.Reply failed = server.post("/v1/devboxes", "{\"launch_parameters\": {\"launch_commands\": [\"exit 4\"]}}");
        assertThat(failed.status()).isEqualTo(400);
        assertThat(failed.json().get("message").asText()).contains("exit 4").contains("exited with 4");
        assertThat(server.get("/v1/devboxes").json().get("devboxes")).hasSize(1);
    }

    @Test
    void whatEraDoesNotOfferIsA400NamingTheNearestFeature() {
        CompatServer.Reply blueprint = server.post("/v1/devboxes", "{\"blueprint_id\": \"bpt_1\"}");
        assertThat(blueprint.status()).isEqualTo(400);
        assertThat(blueprint.json().get("message").asText()).contains("does not offer blueprints").contains("snapshot_id");
        assertThat(blueprint.json().get("details").get("nearest").asText()).contains("snapshot");
        String id = create("{}");
        CompatServer.Reply tunnel = server.post("/v1/devboxes/" + id + "/enable_tunnel", "{}");
        assertThat(tunnel.status()).isEqualTo(400);
        assertThat(tunnel.json().get("message").asText()).contains("tunnels").contains("network host");
        CompatServer.Reply secrets = server.get("/v1/secrets");
        assertThat(secrets.json().get("message").asText()).contains("environment_variables");
        assertThat(server.post("/v1/devboxes/" + id, "{\"name\": \"renamed\"}").status()).isEqualTo(400);
        assertThat(server.get("/v1/nothing-here").status()).isEqualTo(404);
    }

    @Test
    void anotherTenantsDevboxIsNotFound() {
        String id = create("{}");
        assertThat(server.post("/v1/devboxes/" + id + "/execute_sync", "{\"command\": \"true\"}", CompatServer.KEY_B)
                .status()).isEqualTo(404);
        assertThat(server.post("/v1/devboxes/" + id + "/shutdown", "", CompatServer.KEY_B).status()).isEqualTo(404);
    }

    @Test
    void anUnauthenticatedCallIsRejected() {
        CompatServer.Reply r = server.send(HttpRequest.newBuilder(server.uri("/v1/devboxes")).GET(), "", "X-Other");
        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void lastLinesCountsAnUnterminatedLastLine() {
        assertThat(DevboxViews.lastLines("a\nb\nc\n", 2)).isEqualTo("b\nc\n");
        assertThat(DevboxViews.lastLines("a\nb\nc", 1)).isEqualTo("c");
        assertThat(DevboxViews.lastLines("a\n", 5)).isEqualTo("a\n");
        assertThat(DevboxViews.lastLines("a\n", 0)).isEmpty();
    }

    @Test
    void aSplitUtf8CharacterIsHeldBackUntilWhole() {
        byte[] e = "\u00e9".getBytes(StandardCharsets.UTF_8);
        assertThat(OutputFeed.wholeCharacters(new byte[] {'a', e[0]})).isEqualTo(1);
        assertThat(OutputFeed.wholeCharacters(new byte[] {'a', e[0], e[1]})).isEqualTo(3);
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8);
        assertThat(OutputFeed.wholeCharacters(new byte[] {euro[0], euro[1]})).isZero();
    }
}
