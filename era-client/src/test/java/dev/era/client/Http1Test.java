package dev.era.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Http1Test {
    @TempDir
    Path dir;

    /** A one-shot server that reads the request head and answers with the given bytes (or never). */
    private Path serve(String answer) throws IOException {
        Path socket = dir.resolve("s.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try (server; SocketChannel ch = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(8192);
                ch.read(in);
                if (answer == null) {
                    Thread.sleep(10_000);
                    return;
                }
                ch.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.ISO_8859_1)));
            } catch (IOException | InterruptedException e) {
                // test over
            }
        });
        return socket;
    }

    @Test
    void anAnswerSentBeforeTheWholeBodyWasTakenIsReportedInsteadOfTheBrokenWrite() throws IOException {
        // the daemon answers a 404 from the head alone and closes: the rest of the body meets a closed socket
        Path s = serve("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n"
                + "{\"error\":\"no_such\"}");

        Http1.Reply r = new Http1(new Endpoint.Unix(s), "").call("POST", "/agents/nope/x/messages", "application/json",
                new byte[4 << 20], Duration.ofSeconds(10));

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).isEqualTo("{\"error\":\"no_such\"}");
    }

    @Test
    void readsAChunkedBody() throws IOException {
        Path s = serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: 1\r\n\r\n");

        Http1.Reply r = new Http1(new Endpoint.Unix(s), "").call("GET", "/", null, null, Duration.ofSeconds(5));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("hello world");
    }

    @Test
    void readsABodyToTheEndWithoutALength() throws IOException {
        Path s = serve("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnot here");

        Http1.Reply r = new Http1(new Endpoint.Unix(s), "").call("GET", "/", null, null, Duration.ofSeconds(5));

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).isEqualTo("not here");
    }

    @Test
    void aTruncatedBodyIsAnIoError() throws IOException {
        Path s = serve("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");

        assertThatThrownBy(() -> new Http1(new Endpoint.Unix(s), "").call("GET", "/", null, null, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.code()).isEqualTo("io_error"))
                .hasMessageContaining("5 of 100 bytes");
    }

    @Test
    void aSilentDaemonTimesOut() throws IOException {
        Path s = serve(null);
        long started = System.nanoTime();

        assertThatThrownBy(() -> new Http1(new Endpoint.Unix(s), "").call("GET", "/", null, null, Duration.ofMillis(300)))
                .isInstanceOf(EraClientException.class)
                .hasMessageContaining("no answer within");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
    }

    @Test
    void somethingThatIsNotHttpIsAnIoError() throws IOException {
        Path s = serve("SSH-2.0-OpenSSH\r\n");

        assertThatThrownBy(() -> new Http1(new Endpoint.Unix(s), "").call("GET", "/", null, null, Duration.ofSeconds(5)))
                .hasMessageContaining("not an HTTP answer");
    }

    @Test
    void chunkDataIsDeliveredBeforeTheNextChunkArrives() throws IOException {
        // The CRLF after "abc" is missing, as it is on the wire until the server sends the next chunk.
        InputStream in = new ChunkedInputStream(new ByteArrayInputStream("3\r\nabc".getBytes(StandardCharsets.US_ASCII)));

        assertThat(in.readNBytes(3)).isEqualTo("abc".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void sseEventsAreParsed() throws Exception {
        Path s = serve("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                + ": comment\n\nid: 7\ndata: one\ndata: two\n\nevent: x\ndata:three\r\n\r\nretry: 5\n\n");
        List<SseSubscription.SseEvent> got = new ArrayList<>();

        Http1.Stream stream = new Http1(new Endpoint.Unix(s), "").open("/", "text/event-stream");
        SseSubscription sub = SseSubscription.start(stream, "test", got::add);

        assertThat(sub.join(Duration.ofSeconds(5))).isTrue();
        assertThat(got).containsExactly(new SseSubscription.SseEvent("message", "7", "one\ntwo"),
                new SseSubscription.SseEvent("x", "", "three"));
    }

    @Test
    void aConsumerThatThrowsEndsTheStreamAndJoinReportsIt() throws Exception {
        Path s = serve("HTTP/1.1 200 OK\r\n\r\ndata: x\n\n");
        Http1.Stream stream = new Http1(new Endpoint.Unix(s), "").open("/", "text/event-stream");

        SseSubscription sub = SseSubscription.start(stream, "test", e -> {
            throw new IllegalStateException("consumer broke");
        });

        assertThatThrownBy(sub::join).hasMessage("consumer broke");
    }

    @Test
    void pathSegmentsArePercentEncoded() {
        assertThat(EraClient.segment("web-1_a.b~")).isEqualTo("web-1_a.b~");
        assertThat(EraClient.segment("a b/ü?")).isEqualTo("a%20b%2F%C3%BC%3F");
    }

    @Test
    void headersAreCaseInsensitive() throws IOException {
        Path s = serve("HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\nX-A: 1\r\nx-a: 2\r\n\r\nok");

        Http1.Reply r = new Http1(new Endpoint.Unix(s), "").call("GET", "/", null, null, Duration.ofSeconds(5));

        assertThat(r.headers()).containsAllEntriesOf(Map.of("content-length", "2", "x-a", "1, 2"));
    }
}
