package dev.era.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnixSocketTest {
    @TempDir
    Path dir;

    private EraServer start(Path socket) {
        return EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.of(socket)), new FakeDeploymentService(),
                new FakeAuthenticator());
    }

    @Test
    void theSocketFileIsOnlyForItsOwner() throws IOException {
        Path socket = dir.resolve("era.sock");
        try (EraServer server = start(socket)) {
            assertThat(server.unixSocket()).contains(socket);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)))
                    .isEqualTo("rw-------");
            assertThat(TestHttp.unix(socket).get("/health").status()).isEqualTo(200);
            try (var entries = Files.list(dir)) {
                assertThat(entries).as("the private bind directory is gone").containsExactly(socket);
            }
        }
    }

    @Test
    void aServerBoundBeforeTheDaemonIsReadyAnswers503AndPublishesTheSocketOnlyWhenServing() {
        Path socket = dir.resolve("era.sock");
        EraServer.Binding binding = EraServer.bind(new HttpConfig("127.0.0.1", 0, Optional.of(socket)));
        try {
            TestHttp.Reply starting = TestHttp.tcp(binding.tcpPort()).get("/health");
            assertThat(starting.status()).isEqualTo(503);
            assertThat(starting.header("retry-after")).isEqualTo("1");
            assertThat(starting.json().path("error").asText()).isEqualTo("starting");
            assertThat(socket).as("local clients never meet a daemon that is not ready").doesNotExist();

            try (EraServer server = binding.serve(new FakeDeploymentService(), Optional.empty(), java.util.List.of(),
                    new FakeAuthenticator())) {
                assertThat(TestHttp.tcp(server.tcpPort()).get("/health").status()).isEqualTo(200);
                assertThat(TestHttp.unix(socket).get("/health").status()).isEqualTo(200);
            }
        } finally {
            binding.close();
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void closingRemovesTheSocketFile() {
        Path socket = dir.resolve("era.sock");
        start(socket).close();

        assertThat(socket).doesNotExist();
    }

    @Test
    void aStaleSocketFromACrashedDaemonIsReplaced() throws IOException {
        Path socket = dir.resolve("era.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();

        try (EraServer _ = start(socket)) {
            assertThat(TestHttp.unix(socket).get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void aSocketInUseByAnotherDaemonIsNotStolen() {
        Path socket = dir.resolve("era.sock");
        try (EraServer _ = start(socket)) {
            assertThatThrownBy(() -> start(socket))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("listening on " + socket);
            assertThat(TestHttp.unix(socket).get("/health").status()).isEqualTo(200);
        }
    }

    @Test
    void aRegularFileInTheWayIsNotDeleted() throws IOException {
        Path socket = dir.resolve("era.sock");
        Files.writeString(socket, "precious");

        assertThatThrownBy(() -> start(socket)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a socket");
        assertThat(socket).hasContent("precious");
    }

    @Test
    void aPathLongerThanTheOsLimitIsAClearError() {
        Path socket = dir.resolve("d".repeat(120)).resolve("era.sock");

        assertThatThrownBy(() -> start(socket))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes long; the OS limit is " + UnixSocketFile.MAX_PATH_BYTES)
                .hasMessageContaining("shorter");
    }

    @Test
    void theMissingParentDirectoryIsCreated() {
        Path socket = dir.resolve("data").resolve("era.sock");
        try (EraServer _ = start(socket)) {
            assertThat(socket).exists();
        }
    }

    @Test
    void aTakenTcpPortIsAClearError() {
        try (EraServer first = EraServer.start(HttpConfig.tcp("127.0.0.1", 0), new FakeDeploymentService(),
                new FakeAuthenticator())) {
            Path socket = dir.resolve("era.sock");
            assertThatThrownBy(() -> EraServer.start(new HttpConfig("127.0.0.1", first.tcpPort(), Optional.of(socket)),
                    new FakeDeploymentService(), new FakeAuthenticator()))
                    .isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + first.tcpPort());
            assertThat(socket).as("a failed start leaves no socket behind").doesNotExist();
        }
    }
}
