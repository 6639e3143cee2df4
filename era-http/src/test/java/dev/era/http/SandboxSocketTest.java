package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The channel framing of /sandboxes/{id}/ws, spoken by an independent client: the JDK's WebSocket. */
class SandboxSocketTest extends ApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private String id;

    @BeforeEach
    void sandbox() {
        id = SandboxRoutesTest.create(tcp, "{}", KEY_A);
    }

    /** Collects whole binary messages (a message may arrive in several parts) and the close. */
    static final class Probe implements WebSocket.Listener {
        final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                messages.add(partial.toByteArray());
                partial.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        /** Reads frames until the status frame; returns stdout, stderr and the status JSON. */
        Output untilStatus() throws Exception {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            while (true) {
                byte[] m = messages.poll(20, TimeUnit.SECONDS);
                assertThat(m).as("a frame within 20 s; stdout so far: " + out).isNotNull();
                switch (m[0]) {
                    case 1 -> out.write(m, 1, m.length - 1);
                    case 2 -> err.write(m, 1, m.length - 1);
                    case 3 -> {
                        return new Output(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                                TestHttp.JSON.readTree(new String(m, 1, m.length - 1, StandardCharsets.UTF_8)));
                    }
                    default -> throw new AssertionError("unexpected channel " + m[0]);
                }
            }
        }

        /** Reads stdout frames until their text contains {@code wanted}. */
        String stdoutUntil(String wanted) throws InterruptedException {
            StringBuilder seen = new StringBuilder();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!seen.toString().contains(wanted)) {
                byte[] m = messages.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(m).as("'" + wanted + "' within 20 s; saw: " + seen).isNotNull();
                assertThat(m[0]).as("channel").isEqualTo((byte) 1);
                seen.append(new String(m, 1, m.length - 1, StandardCharsets.UTF_8));
            }
            return seen.toString();
        }
    }

    record Output(String stdout, String stderr, JsonNode status) {}

    private WebSocket connect(Probe probe, String query, String... protocols) {
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (protocols.length == 0) {
            b.header("Authorization", "Bearer " + FakeAuthenticator.KEY_A);
        } else {
            b.subprotocols(protocols[0], java.util.Arrays.copyOfRange(protocols, 1, protocols.length));
        }
        return b.buildAsync(URI.create("ws://127.0.0.1:" + server.tcpPort() + "/sandboxes/" + id + "/ws" + query), probe)
                .join();
    }

    private static String q(String command) {
        return URLEncoder.encode(command, StandardCharsets.UTF_8);
    }

    private static ByteBuffer frame(int channel, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(b.length + 1).put((byte) channel).put(b).flip();
    }

    @Test
    void aCommandSendsStdoutAndStderrOnTheirChannelsThenItsStatusAndCloses() throws Exception {
        Probe p = new Probe();
        connect(p, "?command=" + q("echo out; echo err >&2; exit 3"));

        Output o = p.untilStatus();

        assertThat(o.stdout()).isEqualTo("out\n");
        assertThat(o.stderr()).isEqualTo("err\n");
        assertThat(o.status().get("exitCode").asInt()).isEqualTo(3);
        assertThat(p.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
    }

    @Test
    void theStdinChannelFeedsTheCommandAndAnEmptyStdinFrameClosesIt() throws Exception {
        Probe p = new Probe();
        WebSocket ws = connect(p, "?command=" + q("cat; echo end"));

        ws.sendBinary(frame(0, "hi "), true).join();
        ws.sendText("there", true).join();
        ws.sendBinary(frame(0, ""), true).join();

        Output o = p.untilStatus();
        assertThat(o.stdout()).isEqualTo("hi thereend\n");
        assertThat(o.status().get("exitCode").asInt()).isZero();
    }

    @Test
    void aTtySessionRunsAnInteractiveShellOfTheRequestedSize() throws Exception {
        Probe p = new Probe();
        WebSocket ws = connect(p, "?tty=true&rows=30&cols=100");

        p.stdoutUntil(FakeInteractive.PROMPT);
        ws.sendBinary(frame(0, "stty size; echo $((6*7))\r"), true).join();
        assertThat(p.stdoutUntil("42")).contains("30 100");

        ws.sendBinary(frame(4, "{\"rows\": 40, \"cols\": 120}"), true).join();
        ws.sendBinary(ByteBuffer.wrap(new byte[] {4, 0, 50, 0, (byte) 200}), true).join();
        ws.sendBinary(frame(4, "{\"Width\": 90, \"Height\": 20}"), true).join();
        ws.sendBinary(frame(4, "not json"), true).join();
        ws.sendBinary(frame(9, "unknown channel"), true).join();
        ws.sendBinary(frame(0, "exit 5\r"), true).join();

        Output o = p.untilStatus();
        assertThat(o.status().get("exitCode").asInt()).isEqualTo(5);
        FakeInteractive session = sandboxes.interactives().getFirst();
        assertThat(session.request().tty()).isTrue();
        assertThat(session.resizes()).extracting(r -> r[0] + "x" + r[1]).containsExactly("40x120", "50x200", "20x90");
    }

    @Test
    void closingTheSocketKillsTheCommand() throws Exception {
        Probe p = new Probe();
        WebSocket ws = connect(p, "?command=" + q("sleep 100"));
        eventually(() -> !sandboxes.interactives().isEmpty());

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();

        eventually(() -> !sandboxes.interactives().getFirst().alive());
    }

    @Test
    void aBrowserMayPassTheKeyAsAQueryParameterOrAProtocol() throws Exception {
        Probe byQuery = new Probe();
        WebSocket.Builder b = HTTP.newWebSocketBuilder();
        b.buildAsync(URI.create("ws://127.0.0.1:" + server.tcpPort() + "/sandboxes/" + id + "/ws?command=true&api_key="
                + FakeAuthenticator.KEY_A), byQuery).join();
        assertThat(byQuery.untilStatus().status().get("exitCode").asInt()).isZero();

        Probe byProtocol = new Probe();
        WebSocket ws = connect(byProtocol, "?command=true", SocketEndpoints.PROTOCOL,
                SocketEndpoints.KEY_PROTOCOL + FakeAuthenticator.KEY_A);
        assertThat(ws.getSubprotocol()).isEqualTo(SocketEndpoints.PROTOCOL);
        assertThat(byProtocol.untilStatus().status().get("exitCode").asInt()).isZero();
    }

    @Test
    void aHandshakeWithoutAKeyIs401AndAnotherTenantsSandboxIs404() {
        assertThatThrownBy(() -> HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.tcpPort()
                + "/sandboxes/" + id + "/ws"), new Probe()).join())
                .isInstanceOf(CompletionException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                        .isEqualTo(401));
        assertThatThrownBy(() -> HTTP.newWebSocketBuilder().header("X-API-Key", FakeAuthenticator.KEY_B)
                .buildAsync(URI.create("ws://127.0.0.1:" + server.tcpPort() + "/sandboxes/" + id + "/ws"), new Probe())
                .join())
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                        .isEqualTo(404));
        assertThat(sandboxes.interactives()).isEmpty();
    }

    @Test
    void aPlainGetIsTold426ToUpgrade() {
        TestHttp.Reply r = tcp.get("/sandboxes/" + id + "/ws", KEY_A);

        assertThat(r.status()).isEqualTo(426);
        assertThat(r.header("upgrade")).isEqualTo("websocket");
        assertThat(r.json().get("error").asText()).isEqualTo("upgrade_required");
    }

    @Test
    void badParametersAre400BeforeAnythingStarts() throws IOException {
        String[] upgrade = {"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13",
                "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="};
        assertThat(unix.get("/sandboxes/" + id + "/ws?rows=0", upgrade).status()).isEqualTo(400);
        assertThat(unix.get("/sandboxes/" + id + "/ws?tty=maybe", upgrade).status()).isEqualTo(400);
        assertThat(unix.get("/sandboxes/" + id + "/ws?colour=red", upgrade).status()).isEqualTo(400);
        assertThat(sandboxes.interactives()).isEmpty();
    }
}
