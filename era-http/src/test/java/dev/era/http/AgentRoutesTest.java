package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;
import dev.era.api.HealthCheck;
import dev.era.api.Isolation;
import dev.era.api.Resources;
import dev.era.api.RestartPolicy;
import dev.era.core.Caller;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.era.http.FakeAuthenticator.KEY_A;
import static dev.era.http.FakeAuthenticator.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /agents/...} over a real agent runtime on SQLite and the real server: binary messages and
 * their base64 views, an agent that throws (its dead letter listed and discarded), and tenants.
 * The daemon's own tests cover the example agents, WebSockets and the CLI.
 */
class AgentRoutesTest {
    @TempDir
    static Path dir;
    static AgentRuntime agents;
    static EraServer server;
    static TestHttp unix;
    static TestHttp tcp;

    /** Keeps the last message as its state (bytes) and in KV; replies with its length. */
    static final class BlobAgent implements Agent<byte[]> {
        @Override
        public byte[] initialState() {
            return new byte[0];
        }

        @Override
        public StateCodec<byte[]> stateCodec() {
            return StateCodec.bytes();
        }

        @Override
        public TickResult onTrigger(AgentContext<byte[]> ctx, Trigger trigger) {
            switch (trigger) {
                case Trigger.Message m -> {
                    ctx.setState(m.data());
                    ctx.kv().put("last", m.data());
                    return TickResult.reply(Integer.toString(m.data().length));
                }
                // greets with its parameters (sent before the socket opened: held until it does)
                case Trigger.Connect c -> ctx.connections().send(c.connectionId(), new java.util.TreeMap<>(c.params()).toString());
                // echoes binary as binary and text as text
                case Trigger.SocketMessage sm when sm.binary() -> ctx.connections().send(sm.connectionId(), sm.data());
                case Trigger.SocketMessage sm -> ctx.connections().send(sm.connectionId(), "text:" + sm.text());
                default -> { }
            }
            return TickResult.ok();
        }
    }

    /** Throws on every message: a bug in an agent. */
    static final class BrokenAgent implements Agent<byte[]> {
        @Override
        public byte[] initialState() {
            return new byte[0];
        }

        @Override
        public StateCodec<byte[]> stateCodec() {
            return StateCodec.bytes();
        }

        @Override
        public TickResult onTrigger(AgentContext<byte[]> ctx, Trigger trigger) {
            throw new IllegalStateException("boom on purpose");
        }
    }

    @BeforeAll
    static void start() {
        agents = EraAgents.local(dir.resolve("agents.db")).register("blob", BlobAgent::new)
                .register("broken", BrokenAgent::new).retries(1, Duration.ofMillis(1)).start();
        FakeDeploymentService deployments = new FakeDeploymentService();
        AppSpec spec = new AppSpec("pkg", "process", "/x/agents.jar", List.of(), List.of(), Map.of(), "",
                Resources.UNLIMITED, HealthCheck.NONE, RestartPolicy.DEFAULT, List.of(), Duration.ofSeconds(1),
                Isolation.NONE);
        DeploymentId owner = deployments.deploy(Caller.tenant("a"), spec).id();
        AgentDirectory directory = new AgentDirectory() {
            @Override
            public Optional<Served> find(String type) {
                return agents.types().contains(type) ? Optional.of(new Served(type, owner, agents)) : Optional.empty();
            }

            @Override
            public List<Served> all() {
                return agents.types().stream().sorted().map(t -> new Served(t, owner, agents)).toList();
            }
        };
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(dir.resolve("era.sock"))), deployments,
                Optional.empty(), Optional.of(directory), List.of(), new FakeAuthenticator(), ApiHandler.HEARTBEAT);
        unix = TestHttp.unix(server.unixSocket().orElseThrow());
        tcp = TestHttp.tcp(server.tcpPort());
    }

    @AfterAll
    static void stop() {
        server.close();
        agents.close();
    }

    @Test
    void aBinaryMessageReachesTheAgentAsBytesAndItsStateAndKvAreShownAsBase64() {
        byte[] notUtf8 = {(byte) 0xff, 0, (byte) 0xfe, 7};
        TestHttp.Reply r = unix.send("POST", "/agents/blob/b1/messages", notUtf8, "Content-Type", "application/octet-stream");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("4");

        JsonNode agent = unix.get("/agents/blob/b1").json();
        assertThat(agent.path("stateEncoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(agent.path("state").asText())).containsExactly(notUtf8);
        JsonNode kv = unix.get("/agents/blob/b1/kv").json().path("entries").get(0);
        assertThat(kv.path("key").asText()).isEqualTo("last");
        assertThat(kv.path("valueEncoding").asText()).isEqualTo("base64");

        assertThat(unix.post("/agents/blob/b1/messages", "{\"a\":1}", "Content-Type", "application/json").text())
                .isEqualTo("7");
        assertThat(unix.get("/agents/blob/b1").json().path("state").path("a").asInt()).as("JSON state shown as JSON")
                .isEqualTo(1);
    }

    @Test
    void anAgentThatThrowsAnswersTickFailedAndItsDeadLetterCanBeListedAndDiscarded() {
        TestHttp.Reply failed = unix.post("/agents/broken/x/messages", "hello");
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.json().path("error").asText()).isEqualTo("tick_failed");
        assertThat(failed.text()).doesNotContain("at dev.era");

        JsonNode letters = unix.get("/agents/broken/x/dead-letters").json().path("deadLetters");
        assertThat(letters.size()).isEqualTo(1);
        assertThat(letters.get(0).path("payload").asText()).isEqualTo("hello");
        assertThat(letters.get(0).path("error").asText()).contains("boom on purpose");
        long seq = letters.get(0).path("seq").asLong();

        assertThat(unix.delete("/agents/broken/someone-else/dead-letters/" + seq).status())
                .as("only through its own agent's path").isEqualTo(404);
        assertThat(unix.delete("/agents/broken/x/dead-letters/" + seq).json().path("discarded").asLong()).isEqualTo(seq);
        assertThat(unix.delete("/agents/broken/x/dead-letters/" + seq).status()).isEqualTo(404);
        assertThat(unix.get("/agents/broken/x/dead-letters").json().path("deadLetters").size()).isZero();
    }

    @Test
    void onlyTheOwningTenantReachesTheTypesOverTcp() {
        assertThat(tcp.post("/agents/blob/t/messages", "hi", "X-API-Key", KEY_A).status()).isEqualTo(200);
        TestHttp.Reply other = tcp.post("/agents/blob/t/messages", "hi", "X-API-Key", KEY_B);
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.json().path("details").path("known").size()).isZero();
        assertThat(tcp.get("/agents", "X-API-Key", KEY_B).json().path("types").size()).isZero();
        assertThat(tcp.get("/agents", "X-API-Key", KEY_A).json().path("types").findValuesAsText("type"))
                .containsExactly("blob", "broken");
    }

    @Test
    void aWebSocketCarriesTextAndBinaryFramesAndTheQueryReachesTheConnectTrigger() throws Exception {
        java.util.concurrent.BlockingQueue<Object> heard = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.WebSocket.Listener listener = new java.net.http.WebSocket.Listener() {
            @Override
            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                heard.add(data.toString());
                ws.request(1);
                return null;
            }

            @Override
            public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket ws, java.nio.ByteBuffer data,
                                                                    boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                heard.add(b);
                ws.request(1);
                return null;
            }
        };
        try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
            java.net.http.WebSocket ws = client.newWebSocketBuilder()
                    .buildAsync(java.net.URI.create("ws://127.0.0.1:" + server.tcpPort()
                            + "/agents/blob/w/connect?color=red&api_key=" + KEY_A), listener)
                    .get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(heard.poll(20, java.util.concurrent.TimeUnit.SECONDS)).as("api_key is not passed on")
                    .isEqualTo("{color=red}");
            ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[] {1, 2, (byte) 0xff}), true).join();
            assertThat((byte[]) heard.poll(20, java.util.concurrent.TimeUnit.SECONDS)).containsExactly(1, 2, 0xff);
            ws.sendText("hi", true).join();
            assertThat(heard.poll(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("text:hi");
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").join();
        }
        assertThat(tcp.get("/agents/blob/w/connect", "X-API-Key", KEY_B).status()).as("another tenant").isEqualTo(404);
    }
}
