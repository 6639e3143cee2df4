package dev.era.client;

import dev.era.http.EraServer;
import dev.era.http.FakeAuthenticator;
import dev.era.http.FakeDeploymentService;
import dev.era.http.FakeSandboxService;
import dev.era.http.HttpConfig;
import dev.era.http.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The SDK's own RFC 6455 client against the server's WebSocket, on the Unix socket (which java.net.http cannot do) and TCP. */
class InteractiveSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    static Path dir;
    static FakeSandboxService fake;
    static EraServer server;
    static Sandboxes unix;
    static Sandboxes tcp;

    @BeforeAll
    static void start() {
        fake = new FakeSandboxService(dir.resolve("sandboxes"));
        // a 250 ms heartbeat: a client that did not answer pings would be dropped after a second
        server = TestServers.start(new HttpConfig("127.0.0.1", 0, Optional.of(dir.resolve("era.sock"))),
                new FakeDeploymentService(), fake, new FakeAuthenticator(), Duration.ofMillis(250));
        unix = EraClient.unix(server.unixSocket().orElseThrow()).sandboxes();
        tcp = EraClient.tcp(URI.create("http://127.0.0.1:" + server.tcpPort()), FakeAuthenticator.KEY_A).sandboxes();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    /** Collects output; {@link #until} waits for text on stdout. */
    static final class Screen implements java.util.function.Consumer<OutputChunk> {
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final BlockingQueue<OutputChunk> chunks = new LinkedBlockingQueue<>();

        @Override
        public synchronized void accept(OutputChunk c) {
            (c.kind() == OutputChunk.Kind.STDERR ? stderr : stdout).writeBytes(c.data());
            chunks.add(c);
        }

        synchronized String out() {
            return stdout.toString(StandardCharsets.UTF_8);
        }

        void until(String text) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!out().contains(text)) {
                assertThat(System.nanoTime()).as("'" + text + "' on stdout; saw: " + out()).isLessThan(deadline);
                chunks.poll(50, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Test
    void pipesOverTheUnixSocketCarryStdoutStderrAndTheExitCode() throws Exception {
        String id = unix.create(SandboxSpec.builder().build()).id();
        Screen screen = new Screen();

        try (InteractiveSession s = unix.attach(id, AttachOptions.pipes("echo out; echo err >&2; exit 4"), screen)) {
            assertThat(s.await(WAIT)).hasValue(4);
        }

        assertThat(screen.out()).isEqualTo("out\n");
        assertThat(screen.stderr.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
        assertThat(screen.chunks).last().satisfies(c -> assertThat(c.end()).isTrue());
    }

    @Test
    void stdinAndItsEndReachTheCommand() throws Exception {
        String id = unix.create(SandboxSpec.builder().build()).id();
        Screen screen = new Screen();

        try (InteractiveSession s = unix.attach(id, AttachOptions.pipes("cat; echo end"), screen)) {
            s.send("hello ".getBytes());
            s.send("world".getBytes());
            s.closeStdin();
            assertThat(s.await(WAIT)).hasValue(0);
        }
        assertThat(screen.out()).isEqualTo("hello worldend\n");
    }

    @Test
    void framesOfEveryLengthEncodingPassBothWays() throws Exception {
        String id = tcp.create(SandboxSpec.builder().build()).id();
        Screen screen = new Screen();
        byte[] big = new byte[3_000_000]; // above the daemon's 1 MiB message limit: sent as several frames
        java.util.Arrays.fill(big, (byte) 'x');

        try (InteractiveSession s = tcp.attach(id, AttachOptions.pipes("wc -c; head -c 200000 /dev/zero | wc -c >&2;"
                + " head -c 200000 /dev/zero"), screen)) {
            s.send(big);
            s.send(new byte[300]);
            s.send(new byte[5]);
            s.closeStdin();
            assertThat(s.await(WAIT)).hasValue(0);
        }

        assertThat(screen.out()).startsWith("3000305\n");
        assertThat(screen.stdout.size()).isEqualTo("3000305\n".length() + 200_000);
    }

    @Test
    void aTerminalSessionRunsAShellThatResizesAndExits() throws Exception {
        String id = unix.create(SandboxSpec.builder().build()).id();
        Screen screen = new Screen();

        try (InteractiveSession s = unix.attach(id, AttachOptions.terminal(33, 101), screen)) {
            screen.until("sbx$ ");
            s.send("stty size; echo $((6*7))\r".getBytes());
            screen.until("42");
            assertThat(screen.out()).contains("33 101");
            s.resize(50, 132);
            s.send("exit 9\r".getBytes());
            assertThat(s.await(WAIT)).hasValue(9);
        }
        assertThat(fake.interactives().getFirst().resizes()).extracting(r -> r[0] + "x" + r[1]).containsExactly("50x132");
    }

    @Test
    void aQuietSessionAnswersPingsAndStaysOpen() throws Exception {
        String id = unix.create(SandboxSpec.builder().build()).id();
        Screen screen = new Screen();

        try (InteractiveSession s = unix.attach(id, AttachOptions.pipes("sleep 3; echo still here"), screen)) {
            assertThat(s.await(WAIT)).hasValue(0);
        }
        assertThat(screen.out()).isEqualTo("still here\n");
    }

    @Test
    void closingTheSessionKillsTheCommand() throws Exception {
        String id = tcp.create(SandboxSpec.builder().build()).id();

        InteractiveSession s = tcp.attach(id, AttachOptions.pipes("sleep 100"), c -> { });
        s.close();

        long deadline = System.nanoTime() + WAIT.toNanos();
        while (fake.interactives().getFirst().alive()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(s.isOpen()).isFalse();
    }
}
