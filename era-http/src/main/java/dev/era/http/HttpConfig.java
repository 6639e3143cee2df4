package dev.era.http;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the API listens: a TCP address (API keys required) and optionally a Unix domain socket
 * (trusted by its file mode). Frozen when the server starts.
 *
 * @param tcpHost    the address to bind, {@code 127.0.0.1} by default
 * @param tcpPort    the TCP port; 0 picks a free one (see {@link EraServer#tcpPort()})
 * @param unixSocket the socket file to create, or empty for TCP only
 */
public record HttpConfig(String tcpHost, int tcpPort, Optional<Path> unixSocket) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 7878;

    public HttpConfig {
        Objects.requireNonNull(tcpHost, "tcpHost");
        Objects.requireNonNull(unixSocket, "unixSocket");
        if (tcpHost.isBlank()) {
            throw new IllegalArgumentException("tcpHost must not be blank; use 127.0.0.1 to listen on loopback only");
        }
        if (tcpPort < 0 || tcpPort > 65535) {
            throw new IllegalArgumentException("tcpPort must be between 0 and 65535, got " + tcpPort);
        }
    }

    /** {@code 127.0.0.1:7878} and the given socket. */
    public static HttpConfig defaults(Path unixSocket) {
        return new HttpConfig(DEFAULT_HOST, DEFAULT_PORT, Optional.of(unixSocket));
    }

    /** TCP only. */
    public static HttpConfig tcp(String host, int port) {
        return new HttpConfig(host, port, Optional.empty());
    }

    public HttpConfig withUnixSocket(Path socket) {
        return new HttpConfig(tcpHost, tcpPort, Optional.of(socket));
    }
}
