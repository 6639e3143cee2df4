package dev.era.http;

import dev.era.api.ImageCache;
import dev.era.core.Authenticator;
import dev.era.core.DeploymentService;
import dev.era.core.SandboxService;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;

/**
 * The ERA HTTP API on TCP (API keys) and on a Unix domain socket (trusted). Start it with
 * {@link #start}; {@link #close()} stops it, ends open event and log streams and removes the socket.
 */
public final class EraServer implements AutoCloseable {
    static final String TCP = "tcp";
    static final String UNIX = "unix";

    private final Server server;
    private final ServerConnector tcp;
    private final UnixSocketFile socket;
    private final OpenStreams streams;

    private EraServer(Server server, ServerConnector tcp, UnixSocketFile socket, OpenStreams streams) {
        this.server = server;
        this.tcp = tcp;
        this.socket = socket;
        this.streams = streams;
    }

    /**
     * Binds both transports and starts serving.
     *
     * @throws IllegalArgumentException when the socket path is longer than the OS allows
     * @throws IllegalStateException    when another daemon listens on the socket, or a non-socket file is in the way
     * @throws UncheckedIOException     when an address cannot be bound (the TCP port is taken)
     */
    public static EraServer start(HttpConfig config, DeploymentService deployments, Authenticator auth) {
        return start(config, deployments, Optional.empty(), auth, ApiHandler.HEARTBEAT);
    }

    /**
     * Like {@link #start(HttpConfig, DeploymentService, Authenticator)}, also serving {@code /sandboxes},
     * {@code /snapshots} and the sandbox WebSocket.
     */
    public static EraServer start(HttpConfig config, DeploymentService deployments, SandboxService sandboxes,
                                  Authenticator auth) {
        return start(config, deployments, Optional.of(Objects.requireNonNull(sandboxes, "sandboxes")), auth,
                ApiHandler.HEARTBEAT);
    }

    /**
     * Like {@link #start(HttpConfig, DeploymentService, SandboxService, Authenticator)}, also serving each
     * module's routes under its prefix (the compatibility APIs), authenticated and error-mapped as ERA's own.
     *
     * @throws IllegalArgumentException when a module's prefix overlaps ERA's routes or another module's
     */
    public static EraServer start(HttpConfig config, DeploymentService deployments, SandboxService sandboxes,
                                  Authenticator auth, List<RouteModule> modules) {
        return start(config, deployments, Optional.of(Objects.requireNonNull(sandboxes, "sandboxes")), modules, auth,
                ApiHandler.HEARTBEAT);
    }

    /**
     * Like {@link #start(HttpConfig, DeploymentService, SandboxService, Authenticator, List)}, also serving
     * {@code /agents/...}: messages, admin views and WebSockets of the agent types {@code agents} serves.
     */
    public static EraServer start(HttpConfig config, DeploymentService deployments, SandboxService sandboxes,
                                  Authenticator auth, List<RouteModule> modules, AgentDirectory agents) {
        return start(config, deployments, Optional.of(Objects.requireNonNull(sandboxes, "sandboxes")),
                Optional.of(Objects.requireNonNull(agents, "agents")), modules, auth, ApiHandler.HEARTBEAT);
    }

    static EraServer start(HttpConfig config, DeploymentService deployments, Authenticator auth, Duration heartbeat) {
        return start(config, deployments, Optional.empty(), auth, heartbeat);
    }

    static EraServer start(HttpConfig config, DeploymentService deployments, Optional<SandboxService> sandboxes,
                           Authenticator auth, Duration heartbeat) {
        return start(config, deployments, sandboxes, List.of(), auth, heartbeat);
    }

    static EraServer start(HttpConfig config, DeploymentService deployments, Optional<SandboxService> sandboxes,
                           List<RouteModule> modules, Authenticator auth, Duration heartbeat) {
        return start(config, deployments, sandboxes, Optional.empty(), modules, auth, heartbeat);
    }

    static EraServer start(HttpConfig config, DeploymentService deployments, Optional<SandboxService> sandboxes,
                           Optional<AgentDirectory> agents, List<RouteModule> modules, Authenticator auth,
                           Duration heartbeat) {
        checkPrefixes(modules);
        Binding binding = bind(config, heartbeat);
        try {
            return binding.serve(deployments, sandboxes, modules, Optional.empty(), agents, auth);
        } catch (RuntimeException e) {
            binding.close();
            throw e;
        }
    }

    /**
     * Binds both transports and starts Jetty before the daemon's services exist, so that the two
     * start side by side: until {@link Binding#serve} every request gets a 503 saying ERA is starting,
     * and the Unix socket is published (renamed into place) only by {@code serve}, so local clients
     * never meet a daemon that is not ready.
     *
     * @throws IllegalArgumentException when the socket path is longer than the OS allows
     * @throws IllegalStateException    when another daemon listens on the socket, or a non-socket file is in the way
     * @throws UncheckedIOException     when an address cannot be bound (the TCP port is taken)
     */
    public static Binding bind(HttpConfig config) {
        return bind(config, ApiHandler.HEARTBEAT);
    }

    /**
     * @param heartbeat how often an idle SSE stream is written to and a WebSocket pinged, which is how a
     *                  departed client is noticed
     */
    static Binding bind(HttpConfig config, Duration heartbeat) {
        Objects.requireNonNull(config, "config");
        skipJettyMBeanProbe();

        QueuedThreadPool threads = new QueuedThreadPool(64, 2);
        threads.setName("era-http");
        // Handlers block (body reads, service calls, SSE loops); virtual threads make that cheap.
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(threads);
        server.setStopTimeout(2_000);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(16 * 1024);

        // HTTP/1.1 first; a client that opens with the HTTP/2 preface (prior knowledge, as Node's http2 and
        // RunLoop's SDK do) or asks to upgrade gets cleartext HTTP/2 on the same port.
        ServerConnector tcp = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http),
                new HTTP2CServerConnectionFactory(http));
        tcp.setName(TCP);
        tcp.setHost(config.tcpHost());
        tcp.setPort(config.tcpPort());
        tcp.setIdleTimeout(60_000);
        server.addConnector(tcp);

        UnixSocketFile socket = config.unixSocket().map(UnixSocketFile::prepare).orElse(null);
        if (socket != null) {
            UnixDomainServerConnector unix = new UnixDomainServerConnector(server, 1, 1, new HttpConnectionFactory(http),
                    new HTTP2CServerConnectionFactory(http));
            unix.setName(UNIX);
            unix.setUnixDomainPath(socket.bindPath());
            unix.setIdleTimeout(60_000);
            server.addConnector(unix);
        }

        // Upgrades happen only where a route asks for one (ServerWebSocketContainer.upgrade); the handler
        // holds no mappings of its own and passes every request on to the API once it is there.
        WebSocketUpgradeHandler sockets = WebSocketUpgradeHandler.from(server);
        ServerWebSocketContainer container = sockets.getServerWebSocketContainer();
        // Interactive sessions ping every heartbeat, so only a client gone silent reaches this.
        container.setIdleTimeout(heartbeat.multipliedBy(8));
        container.setMaxBinaryMessageSize(1 << 20);
        container.setMaxTextMessageSize(1 << 20);
        StartingHandler api = new StartingHandler();
        sockets.setHandler(api);
        server.setHandler(sockets);
        server.setErrorHandler(new JsonErrorHandler());
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            if (socket != null) {
                socket.remove();
            }
            throw startFailure(config, e);
        }
        return new Binding(server, tcp, socket, container, api, heartbeat);
    }

    /** A bound, started server that answers 503 until the daemon's services are handed to {@link #serve}. */
    public static final class Binding implements AutoCloseable {
        private final Server server;
        private final ServerConnector tcp;
        private final UnixSocketFile socket;
        private final ServerWebSocketContainer container;
        private final StartingHandler api;
        private final Duration heartbeat;

        private Binding(Server server, ServerConnector tcp, UnixSocketFile socket, ServerWebSocketContainer container,
                        StartingHandler api, Duration heartbeat) {
            this.server = server;
            this.tcp = tcp;
            this.socket = socket;
            this.container = container;
            this.api = api;
            this.heartbeat = heartbeat;
        }

        /** Serves ERA's API (with each module's routes under its prefix) and publishes the Unix socket. */
        public EraServer serve(DeploymentService deployments, SandboxService sandboxes, List<RouteModule> modules,
                               Authenticator auth) {
            return serve(deployments, Optional.of(Objects.requireNonNull(sandboxes, "sandboxes")), modules, auth);
        }

        /** As {@link #serve(DeploymentService, SandboxService, List, Authenticator)}, also serving {@code /images} from {@code images}. */
        public EraServer serve(DeploymentService deployments, SandboxService sandboxes, List<RouteModule> modules,
                               Authenticator auth, ImageCache images) {
            return serve(deployments, Optional.of(Objects.requireNonNull(sandboxes, "sandboxes")), modules,
                    Optional.of(Objects.requireNonNull(images, "images")), auth);
        }

        EraServer serve(DeploymentService deployments, Optional<SandboxService> sandboxes, List<RouteModule> modules,
                        Authenticator auth) {
            return serve(deployments, sandboxes, modules, Optional.empty(), auth);
        }

        /** As {@link #serve(DeploymentService, SandboxService, List, Authenticator)}, also serving {@code /agents/...}. */
        public EraServer serve(DeploymentService deployments, SandboxService sandboxes, List<RouteModule> modules,
                               Authenticator auth, AgentDirectory agents) {
            return serve(deployments, Optional.of(Objects.requireNonNull(sandboxes, "sandboxes")), modules,
                    Optional.empty(), Optional.of(Objects.requireNonNull(agents, "agents")), auth);
        }

        /** Serving {@code /images} from {@code images} and {@code /agents/...} from {@code agents}. */
        public EraServer serve(DeploymentService deployments, SandboxService sandboxes, List<RouteModule> modules,
                               Authenticator auth, ImageCache images, AgentDirectory agents) {
            return serve(deployments, Optional.of(Objects.requireNonNull(sandboxes, "sandboxes")), modules,
                    Optional.of(Objects.requireNonNull(images, "images")),
                    Optional.of(Objects.requireNonNull(agents, "agents")), auth);
        }

        EraServer serve(DeploymentService deployments, Optional<SandboxService> sandboxes, List<RouteModule> modules,
                        Optional<ImageCache> images, Authenticator auth) {
            return serve(deployments, sandboxes, modules, images, Optional.empty(), auth);
        }

        EraServer serve(DeploymentService deployments, Optional<SandboxService> sandboxes, List<RouteModule> modules,
                        Optional<ImageCache> images, Optional<AgentDirectory> agents, Authenticator auth) {
            Objects.requireNonNull(deployments, "deployments");
            Objects.requireNonNull(auth, "auth");
            checkPrefixes(modules);
            OpenStreams streams = new OpenStreams();
            api.open(new ApiHandler(deployments, sandboxes.map(s -> new ApiHandler.Sandboxes(s, container)), modules,
                    images, agents.map(a -> new ApiHandler.Agents(a, container)), auth, new Metrics(), streams,
                    heartbeat));
            if (socket != null) {
                try {
                    socket.publish();
                } catch (RuntimeException e) {
                    close();
                    throw e;
                }
            }
            return new EraServer(server, tcp, socket, streams);
        }

        /** The bound TCP port (useful when the configured port was 0). */
        public int tcpPort() {
            return tcp.getLocalPort();
        }

        /** Stops a server that never served (the daemon's start failed). */
        @Override
        public void close() {
            stopQuietly(server);
            if (socket != null) {
                socket.remove();
            }
        }
    }

    /** ERA's own top-level path segments; a module may not take one of them over. */
    private static final List<String> OWN_SEGMENTS = List.of("health", "metrics", "plugins", "deployments", "events",
            "logs", "sandboxes", "snapshots", "agents", "images", "admin", "openapi.json");

    private static void checkPrefixes(List<RouteModule> modules) {
        List<String> seen = new java.util.ArrayList<>();
        for (RouteModule m : modules) {
            String p = m.prefix();
            if (!p.matches("(/[A-Za-z0-9._-]+)+")) {
                throw new IllegalArgumentException("route module prefix '" + p + "' must be a path like /v1");
            }
            String first = p.substring(1).split("/")[0];
            if (OWN_SEGMENTS.contains(first)) {
                throw new IllegalArgumentException("route module prefix " + p + " overlaps ERA's /" + first + " routes");
            }
            for (String other : seen) {
                if (p.startsWith(other + "/") || other.startsWith(p + "/") || p.equals(other)) {
                    throw new IllegalArgumentException("route module prefixes " + other + " and " + p + " overlap");
                }
            }
            seen.add(p);
        }
    }

    /** The bound TCP port (useful when the configured port was 0). */
    public int tcpPort() {
        return tcp.getLocalPort();
    }

    public Optional<Path> unixSocket() {
        return Optional.ofNullable(socket).map(UnixSocketFile::path);
    }

    @Override
    public void close() {
        streams.closeAll();
        stopQuietly(server);
        if (socket != null) {
            socket.remove();
        }
    }

    private static RuntimeException startFailure(HttpConfig config, Exception e) {
        if (e instanceof IllegalStateException || e instanceof IllegalArgumentException) {
            return (RuntimeException) e;
        }
        String where = config.tcpHost() + ":" + config.tcpPort()
                + config.unixSocket().map(p -> " or " + p).orElse("");
        IOException io = e instanceof IOException x ? x : new IOException(e);
        return new UncheckedIOException("cannot listen on " + where + ": " + e.getMessage()
                + "; is another daemon running? Choose another port or data directory", io);
    }

    /**
     * Jetty's MemoryUtils asks the platform MBean server whether oops are compressed, which starts
     * JMX and JFR support: about 130 ms of a start-up that must answer /health within 400 ms. The
     * answer only sizes padding against false sharing; 16 references per 64-byte cache line is right
     * for the compressed oops of any heap under 32 GiB. A value set by the operator wins.
     */
    private static void skipJettyMBeanProbe() {
        String key = "org.eclipse.jetty.util.referencesPerCacheLine";
        if (System.getProperty(key) == null) {
            System.setProperty(key, "16");
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort; the JVM is usually exiting
        }
    }
}
