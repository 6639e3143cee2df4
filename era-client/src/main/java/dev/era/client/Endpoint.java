package dev.era.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Locale;

/** Where the daemon listens: its Unix socket, or a TCP base URL (plain HTTP). */
sealed interface Endpoint {
    SocketChannel connect() throws IOException;

    /** The value of the Host header. */
    String host();

    /** A path prefix from the base URL, without a trailing slash ("" for none). */
    String prefix();

    /** How to name the daemon in messages. */
    String describe();

    record Unix(Path socket) implements Endpoint {
        @Override
        public SocketChannel connect() throws IOException {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        @Override
        public String host() {
            return "localhost";
        }

        @Override
        public String prefix() {
            return "";
        }

        @Override
        public String describe() {
            return socket.toString();
        }
    }

    record Tcp(URI base) implements Endpoint {
        public Tcp {
            if (base.getScheme() == null || !base.getScheme().toLowerCase(Locale.ROOT).equals("http")) {
                throw new IllegalArgumentException("the daemon URL must start with http:// (got " + base
                        + "); put TLS in front of the daemon with a proxy if you need it");
            }
            if (base.getHost() == null) {
                throw new IllegalArgumentException("the daemon URL " + base + " names no host");
            }
        }

        @Override
        public SocketChannel connect() throws IOException {
            SocketChannel ch = SocketChannel.open();
            try {
                ch.connect(new InetSocketAddress(base.getHost(), port()));
                ch.socket().setTcpNoDelay(true);
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        private int port() {
            return base.getPort() == -1 ? 80 : base.getPort();
        }

        @Override
        public String host() {
            return base.getPort() == -1 ? base.getHost() : base.getHost() + ":" + base.getPort();
        }

        @Override
        public String prefix() {
            String p = base.getRawPath() == null ? "" : base.getRawPath();
            return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        }

        @Override
        public String describe() {
            return base.toString();
        }
    }
}
