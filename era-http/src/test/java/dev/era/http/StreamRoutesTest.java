package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.era.core.Caller;
import dev.era.core.SpecCodec;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class StreamRoutesTest extends ApiTest {
    @Test
    void eventsArePagedWithAfterAndLimit() {
        for (int i = 0; i < 5; i++) {
            fake.publish("default", "info", "event " + i);
        }

        JsonNode first = unix.get("/events?limit=2").json();
        assertThat(first.get("events")).extracting(e -> e.get("message").asText()).containsExactly("event 0", "event 1");
        long next = first.get("lastSeq").asLong();

        JsonNode rest = unix.get("/events?after=" + next).json();
        assertThat(rest.get("events")).extracting(e -> e.get("message").asText())
                .containsExactly("event 2", "event 3", "event 4");
    }

    @Test
    void anEventHasItsWireShape() {
        unix.post("/deployments", spec("web"), "Content-Type", YAML);

        JsonNode e = unix.get("/events").json().get("events").get(0);

        assertThat(e.fieldNames()).toIterable().containsExactly("seq", "at", "tenant", "deployment", "name", "type",
                "state", "message", "details");
        assertThat(e.get("name").asText()).isEqualTo("web");
        assertThat(e.get("type").asText()).isEqualTo("transition");
        assertThat(e.get("state").asText()).isEqualTo("VALIDATING");
        assertThat(e.get("details").get("version").asText()).isEqualTo("1");
    }

    @Test
    void eventsCanBeFilteredByDeployment() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);
        unix.post("/deployments?wait=10s", spec("db"), "Content-Type", YAML);

        JsonNode events = unix.get("/events?deployment=db").json().get("events");

        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e.get("name").asText()).isEqualTo("db"));
    }

    @Test
    void aTenantOnlySeesItsOwnEvents() {
        tcp.post("/deployments", spec("web"), with(KEY_A, "Content-Type", YAML));
        tcp.post("/deployments", spec("db"), with(KEY_B, "Content-Type", YAML));

        assertThat(tcp.get("/events", KEY_B).json().get("events"))
                .allSatisfy(e -> assertThat(e.get("tenant").asText()).isEqualTo("b"));
    }

    @Test
    void followDeliversStoredThenNewEventsWithIds() {
        fake.publish("default", "info", "before");
        try (TestHttp.SseStream s = unix.sse("/events?follow=true")) {
            assertThat(s.head.status()).isEqualTo(200);
            assertThat(s.head.header("content-type")).startsWith("text/event-stream");

            TestHttp.SseEvent first = s.next();
            assertThat(first.id()).isEqualTo("1");
            assertThat(json(first.data()).get("message").asText()).isEqualTo("before");

            fake.publish("default", "info", "after");
            TestHttp.SseEvent second = s.next();
            assertThat(second.id()).isEqualTo("2");
            assertThat(json(second.data()).get("message").asText()).isEqualTo("after");
        }
    }

    @Test
    void followShowsADeploymentGoingLive() {
        try (TestHttp.SseStream s = tcp.sse("/events?follow=true&deployment=web", KEY_A)) {
            tcp.post("/deployments", spec("web"), with(KEY_A, "Content-Type", YAML));

            assertThat(json(s.next().data()).get("state").asText()).isEqualTo("VALIDATING");
            assertThat(json(s.next().data()).get("state").asText()).isEqualTo("ACTIVATING");
            assertThat(json(s.next().data()).get("state").asText()).isEqualTo("RUNNING");
        }
    }

    @Test
    void lastEventIdResumesAfterThatEvent() {
        for (int i = 0; i < 4; i++) {
            fake.publish("default", "info", "event " + i);
        }
        try (TestHttp.SseStream s = unix.sse("/events?follow=true", "Last-Event-ID", "2")) {
            assertThat(s.next().id()).isEqualTo("3");
            assertThat(s.next().id()).isEqualTo("4");
        }
    }

    @Test
    void headOfAFollowIsAnsweredWithoutAStream() {
        TestHttp.Reply r = unix.send("HEAD", "/events?follow=true", null);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).startsWith("application/json");
        assertThat(fake.followers()).isZero();
    }

    @Test
    void aBadLastEventIdIs400() {
        try (TestHttp.SseStream s = unix.sse("/events?follow=true", "Last-Event-ID", "yesterday")) {
            assertThat(s.head.status()).isEqualTo(400);
        }
    }

    @Test
    void closingTheServerEndsOpenStreams() throws Exception {
        FakeDeploymentService own = new FakeDeploymentService();
        EraServer other = EraServer.start(HttpConfig.tcp("127.0.0.1", 0), own, new FakeAuthenticator());
        TestHttp.SseStream s = TestHttp.tcp(other.tcpPort()).sse("/events?follow=true", KEY_A);
        assertThat(s.head.status()).isEqualTo(200);

        other.close();

        s.awaitEnd();
        eventually(() -> own.followers() == 0);
    }

    @Test
    void aClientLeavingEndsItsSubscriptionAtTheNextHeartbeat() throws InterruptedException {
        FakeDeploymentService own = new FakeDeploymentService();
        try (EraServer other = EraServer.start(HttpConfig.tcp("127.0.0.1", 0), own, new FakeAuthenticator(),
                Duration.ofMillis(50))) {
            TestHttp.SseStream s = TestHttp.tcp(other.tcpPort()).sse("/logs?deployment=web&follow=true", KEY_A);
            assertThat(s.head.status()).isEqualTo(404);
            own.deploy(Caller.tenant("a"), SpecCodec.parse(spec("web")));
            s = TestHttp.tcp(other.tcpPort()).sse("/logs?deployment=web&follow=true", KEY_A);
            eventually(() -> own.followers() == 1);

            s.close();

            eventually(() -> own.followers() == 0);
        }
    }

    @Test
    void logsAreJsonByDefaultAndTextOnRequest() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);
        fake.appendLog("web", "hello");
        fake.appendLog("web", "world");

        JsonNode json = unix.get("/logs?deployment=web&tail=2").json();
        assertThat(json.get("deployment").asText()).isEqualTo("web");
        assertThat(json.get("lines")).extracting(JsonNode::asText).containsExactly("hello", "world");

        TestHttp.Reply text = unix.get("/logs?deployment=web&tail=2", "Accept", "text/plain");
        assertThat(text.header("content-type")).startsWith("text/plain");
        assertThat(text.text()).isEqualTo("hello\nworld\n");
    }

    @Test
    void logsNeedADeployment() {
        TestHttp.Reply r = unix.get("/logs");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("details").get("parameter").asText()).isEqualTo("deployment");
    }

    @Test
    void followingLogsOfAnUnknownDeploymentIs404() {
        try (TestHttp.SseStream s = unix.sse("/logs?deployment=nope&follow=true")) {
            assertThat(s.head.status()).isEqualTo(404);
        }
    }

    @Test
    void followLogsDeliversTailThenNewLines() {
        unix.post("/deployments?wait=10s", spec("web"), "Content-Type", YAML);
        fake.appendLog("web", "old 1");
        fake.appendLog("web", "old 2");
        try (TestHttp.SseStream s = unix.sse("/logs?deployment=web&tail=1&follow")) {
            assertThat(s.next().data()).isEqualTo("old 2");

            fake.appendLog("web", "new\rline");

            assertThat(s.next().data()).isEqualTo("new\nline");
        }
    }

    private static JsonNode json(String text) {
        try {
            return TestHttp.JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }
}
