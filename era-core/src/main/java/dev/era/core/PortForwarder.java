package dev.era.core;

import dev.era.api.ConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The public port of one deployment, owned by the daemon: every accepted connection is joined to
 * the port of the version that serves at that moment. A cut-over is {@link #target(int)}: one
 * volatile write, so a connection is either wholly on the old version or wholly on the new one and
 * none is refused. Connections already open stay on their version; {@link #drain} waits for them
 * before that version is stopped.
 */
final class PortForwarder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PortForwarder.class);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final int publicPort;
    private final ServerSocket server;
    private volatile int target;
    private final Map<Integer, AtomicInteger> open = new ConcurrentHashMap<>();
    private final Map<Socket, Boolean> sockets = new ConcurrentHashMap<>();

    private PortForwarder(int publicPort, ServerSocket server, int target) {
        this.publicPort = publicPort;
        this.server = server;
        this.target = target;
    }

    /**
     * Listens on {@code 127.0.0.1:publicPort} and forwards to {@code target}.
     *
     * @throws ConflictException when the port is taken, naming it
     */
    static PortForwarder open(String deployment, int publicPort, int target) {
        ServerSocket s;
        try {
            s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(LOOPBACK, publicPort), 512);
        } catch (IOException e) {
            throw new ConflictException("deployment " + deployment + " needs port " + publicPort
                    + ", which is taken (" + e.getMessage() + "); free it or change `port` in the spec",
                    Map.of("port", publicPort));
        }
        PortForwarder f = new PortForwarder(publicPort, s, target);
        Thread.ofVirtual().name("forward-" + publicPort).start(f::accept);
        return f;
    }

    int publicPort() {
        return publicPort;
    }

    int target() {
        return target;
    }

    /** New connections go to {@code port} from now on. */
    void target(int port) {
        target = port;
    }

    /** Connections open to {@code port} right now. */
    int openTo(int port) {
        AtomicInteger n = open.get(port);
        return n == null ? 0 : n.get();
    }

    /** Waits until no connection is open to {@code port}, or {@code max} passes. Returns the connections left. */
    int drain(int port, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (openTo(port) > 0 && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return openTo(port);
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("port {}: accept failed: {}", publicPort, e.getMessage());
                }
                continue;
            }
            Thread.ofVirtual().name("forward-" + publicPort + "-conn").start(() -> join(client));
        }
    }

    private void join(Socket client) {
        // count the connection against its version before checking the target again, so that a
        // cut-over's drain either sees this connection or this connection sees the new target
        int port;
        AtomicInteger count;
        while (true) {
            port = target;
            count = open.computeIfAbsent(port, k -> new AtomicInteger());
            count.incrementAndGet();
            if (target == port) {
                break;
            }
            count.decrementAndGet();
        }
        sockets.put(client, Boolean.TRUE);
        try (client; Socket upstream = new Socket()) {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(LOOPBACK, port), 2000);
            sockets.put(upstream, Boolean.TRUE);
            Thread up = Thread.ofVirtual().start(() -> pump(client, upstream));
            pump(upstream, client);
            up.join();
            sockets.remove(upstream);
        } catch (IOException e) {
            LOG.debug("port {} -> {}: {}", publicPort, port, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sockets.remove(client);
            count.decrementAndGet();
        }
    }

    /** Copies until EOF, then half-closes the other side so that the peer sees the end too. */
    private static void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
            if (!to.isClosed()) {
                to.shutdownOutput();
            }
        } catch (SocketException e) {
            closeQuietly(to);
        } catch (IOException e) {
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
        sockets.keySet().forEach(PortForwarder::closeQuietly);
    }

    /** A free loopback port for a version to listen on: the kernel picks it. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new dev.era.api.EngineException("no free port on 127.0.0.1 for a new version: " + e.getMessage()
                    + "; check the host's ephemeral port range", Map.of());
        }
    }
}
