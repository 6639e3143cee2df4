package dev.era.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.client.AgentSession;
import dev.era.client.Deployment;
import dev.era.client.EraClient;
import dev.era.client.EraClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real daemon with the example agent package deployed as {@code engine: agents}: messages,
 * WebSockets across hibernation, the admin views, bad input and tenants, over TCP and the Unix socket.
 */
class AgentsDaemonTest {
    @TempDir
    static Path dir;
    static DaemonProcess daemon;
    static RawHttp http;
    static String adminKey;
    static String tenantKey;
    static EraClient unix;
    static Deployment deployment;

    @BeforeAll
    static void start() throws Exception {
        Path jar = ExampleJar.in(java.nio.file.Files.createDirectories(dir.resolve("pkg")));
        daemon = DaemonProcess.start(dir.resolve("data"));
        adminKey = daemon.firstKey();
        http = new RawHttp(daemon.tcpPort());
        unix = daemon.unix();
        tenantKey = unix.createKey("acme", "").secret();
        deployment = unix.deploy("""
                name: examples
                engine: agents
                artifact: %s
                env:
                  ERA_AGENTS_IDLE_TIMEOUT: 200ms
                """.formatted(jar), Duration.ofSeconds(60));
        assertThat(deployment.state()).as(deployment.message() + "\n" + daemon.log()).isEqualTo("RUNNING");
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    private static RawHttp.Reply post(String path, String body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + adminKey;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return http.post(path, body, all);
    }

    private static RawHttp.Reply get(String path) {
        return http.get(path, "Authorization", "Bearer " + adminKey);
    }

    @Test
    void aMessageOverTcpIsAnsweredWithTheAgentsReplyAndTheUnixSocketSeesTheSameAgent() {
        RawHttp.Reply first = post("/agents/counter/visits/messages", "inc", "Content-Type", "text/plain");
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.text()).isEqualTo("1");
        assertThat(post("/agents/counter/visits/messages", "inc 41").text()).isEqualTo("42");

        assertThat(unix.agents().send("counter", "visits", "get").text()).isEqualTo("42");
        RawHttp.Reply refused = post("/agents/counter/visits/messages", "nonsense", "Content-Type", "text/plain");
        assertThat(refused.status()).as("the agent's own status").isEqualTo(400);
        assertThat(refused.text()).contains("unknown command 'nonsense'");
    }

    @Test
    void aWebSocketStaysOpenWhileItsAgentHibernatesAndTheNextMessageWakesIt() throws Exception {
        BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        EraClient tcp = daemon.tcp(adminKey);
        try (AgentSession ada = tcp.agents().connect("chat", "lobby", Map.of("name", "ada"), heard::add)) {
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("* ada joined");
            ada.send("hello");
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("ada: hello");

            // the idle timeout is 200 ms: wait (bounded) until the daemon reports the room hibernated
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (tcp.agents().get("chat", "lobby").path("loaded").asBoolean()) {
                assertThat(System.nanoTime()).as("the room never hibernated").isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(tcp.agents().get("chat", "lobby").path("connections").asInt()).isEqualTo(1);

            ada.send("still here");
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("ada: still here");
            assertThat(unix.agents().send("chat", "lobby", "who").text()).isEqualTo("ada");
        }
    }

    @Test
    void aConnectionTheAgentRefusesIsAnErrorWithTheAgentsStatusAndAPlainGetIs426() {
        assertThatThrownBy(() -> unix.agents().connect("chat", "lobby2", Map.of(), m -> { }))
                .isInstanceOfSatisfying(EraClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("?name=");
                });
        RawHttp.Reply plain = get("/agents/chat/lobby2/connect?name=x");
        assertThat(plain.status()).isEqualTo(426);
    }

    @Test
    void adminViewsShowStoredStateKvAlarmsIdsAndDeadLetters() {
        post("/agents/counter/shown/messages", "inc 5");
        unix.agents().send("chat", "room", "welcome");
        post("/agents/reminder/me/messages", "{\"remind\":\"tea\",\"in\":\"PT5M\"}", "Content-Type", "application/json");

        JsonNode counter = get("/agents/counter/shown").json();
        assertThat(counter.path("state").path("value").asLong()).isEqualTo(5);
        assertThat(get("/agents/counter").json().path("ids").toString()).contains("\"shown\"");
        assertThat(get("/agents/chat/room/kv?prefix=msg/").json().path("entries").get(0).path("value").asText())
                .isEqualTo("system: welcome");
        assertThat(get("/agents/reminder/me/alarms").json().path("alarms").get(0).path("name").asText()).isEqualTo("tea");
        assertThat(get("/agents/counter/shown/dead-letters").json().path("deadLetters").size()).isZero();

        JsonNode types = get("/agents").json().path("types");
        assertThat(types.findValuesAsText("type")).containsExactly("chat", "counter", "reminder");
        assertThat(types.get(0).path("deployment").asText()).isEqualTo(deployment.id());
    }

    @Test
    void badInputIsAClear4xxNamingWhatToFix() {
        RawHttp.Reply unknown = post("/agents/nope/x/messages", "hi");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText()).isEqualTo("unknown_agent_type");
        assertThat(unknown.json().path("message").asText()).contains("chat, counter, reminder");

        RawHttp.Reply badJson = post("/agents/counter/x/messages", "{\"inc\":", "Content-Type", "application/json");
        assertThat(badJson.status()).isEqualTo(400);
        assertThat(badJson.json().path("message").asText()).contains("not one JSON value");

        assertThat(post("/agents/counter/x/messages", "").status()).isEqualTo(400);
        assertThat(post("/agents/counter/bad%21id/messages", "inc").json().path("message").asText()).contains("contains '!'");
        assertThat(post("/agents/counter/x/messages", "inc", "Content-Type", "image/png").status()).isEqualTo(415);
        assertThat(get("/agents/counter/never-seen").status()).isEqualTo(404);
        assertThat(http.post("/agents/counter/x/messages", "inc").status()).as("no key on TCP").isEqualTo(401);
        RawHttp.Reply badLimit = get("/agents/counter?limit=0");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(http.send("DELETE", "/agents/counter/x/dead-letters/abc", null, "Authorization", "Bearer " + adminKey)
                .status()).isEqualTo(400);
    }

    @Test
    void anotherTenantCanNeitherSeeNorReachTheseAgents() {
        RawHttp.Reply r = http.post("/agents/counter/visits/messages", "inc", "Authorization", "Bearer " + tenantKey);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().path("message").asText()).contains("no agent package is deployed").doesNotContain("counter,");
        assertThat(http.get("/agents", "Authorization", "Bearer " + tenantKey).json().path("types").size()).isZero();
        assertThat(http.get("/agents/counter/visits", "Authorization", "Bearer " + tenantKey).status()).isEqualTo(404);
        assertThatThrownBy(() -> daemon.tcp(tenantKey).agents().connect("chat", "lobby", Map.of("name", "eve"), m -> { }))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void theCliSendsListsAndInspectsAgents() {
        DaemonProcess.Cli sent = daemon.cli("agent", "send", "counter", "cli", "inc", "3");
        assertThat(sent.exit()).as(sent.err()).isZero();
        assertThat(sent.out()).isEqualTo("3\n");

        DaemonProcess.Cli refused = daemon.cli("agent", "send", "counter", "cli", "bogus");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("400").contains("unknown command 'bogus'");

        assertThat(daemon.cli("agent", "ls").out()).contains("counter").contains("examples (" + deployment.id() + ")");
        assertThat(daemon.cli("agent", "ls", "counter").out()).contains("cli");
        DaemonProcess.Cli inspected = daemon.cli("agent", "inspect", "counter", "cli");
        assertThat(inspected.out()).contains("counter/cli (").contains("state: {\"value\":3}").contains("dead letters: none");

        DaemonProcess.Cli unknown = daemon.cli("agent", "send", "nope", "x", "hi");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("there is no agent type 'nope'");
    }
}
