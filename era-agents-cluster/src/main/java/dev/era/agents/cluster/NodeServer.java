package dev.era.agents.cluster;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.AgentRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Takes calls from peers (and from any HTTP client) on the node's listen address; see {@link Wire}.
 * The JDK's HttpServer: the protocol is two POST routes, and it keeps this module free of a web
 * framework (era-http's Javalin serves the daemon's public API).
 */
final class NodeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeServer.class);

    /** What the server calls: route ({@code forwarded} false) or serve locally only. */
    interface Handler {
        CompletableFuture<TickResult> call(String type, String id, Trigger trigger, boolean forwarded);

        String describe();
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Handler handler;

    private NodeServer(HttpServer server) {
        this.server = server;
    }

    static NodeServer bind(InetSocketAddress address) {
        try {
            HttpServer s = HttpServer.create(address, 1024);
            NodeServer ns = new NodeServer(s);
            s.setExecutor(ns.executor);
            s.createContext("/era/v1/", ns::handle);
            return ns;
        } catch (IOException e) {
            throw new ClusterException("Could not listen on " + address + " for cluster peers: " + e.getMessage(), e);
        }
    }

    /** host:port as peers reach it. */
    String address() {
        InetSocketAddress a = server.getAddress();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    void start(Handler h) {
        this.handler = h;
        server.start();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            Handler h = handler;
            if (path.equals("/era/v1/node")) {
                respond(ex, 200, Map.of(), h.describe().getBytes(StandardCharsets.UTF_8));
                return;
            }
            String[] route = Wire.parse(path);
            if (route == null || !ex.getRequestMethod().equals("POST") || !(route[2].equals("message") || route[2].equals("request"))) {
                respond(ex, 404, Map.of(Wire.ERROR, "not_found"), ("No route " + ex.getRequestMethod() + " " + path
                        + "; use POST " + Wire.PREFIX + "{type}/{id}/message or /request").getBytes(StandardCharsets.UTF_8));
                return;
            }
            byte[] body = ex.getRequestBody().readAllBytes();
            Headers hs = ex.getRequestHeaders();
            Trigger trigger;
            if (route[2].equals("message")) {
                trigger = new Trigger.Message(body, "");
            } else {
                Map<String, String> headers = new HashMap<>();
                for (Map.Entry<String, List<String>> e : hs.entrySet()) {
                    if (e.getKey().regionMatches(true, 0, Wire.HEADER, 0, Wire.HEADER.length())) {
                        headers.put(e.getKey().substring(Wire.HEADER.length()).toLowerCase(java.util.Locale.ROOT), e.getValue().getFirst());
                    }
                }
                trigger = new Trigger.Request(orDefault(hs.getFirst(Wire.METHOD), "POST"), orDefault(hs.getFirst(Wire.PATH), "/"),
                        headers, body);
            }
            boolean forwarded = "1".equals(hs.getFirst(Wire.FORWARDED));
            TickResult result;
            try {
                result = h.call(route[0], route[1], trigger, forwarded).join();
            } catch (CompletionException e) {
                Throwable t = e.getCause() != null ? e.getCause() : e;
                if (t instanceof AgentRuntimeException are) {
                    respond(ex, are.status(), Map.of(Wire.ERROR, are.code()), String.valueOf(are.getMessage()).getBytes(StandardCharsets.UTF_8));
                } else {
                    respond(ex, 500, Map.of(Wire.ERROR, "internal"), t.toString().getBytes(StandardCharsets.UTF_8));
                }
                return;
            }
            respond(ex, 200, Map.of(Wire.TICK_STATUS, Integer.toString(result.status())), result.body());
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("A peer call broke off: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("A peer call failed", e);
        }
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }

    private static void respond(HttpExchange ex, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
