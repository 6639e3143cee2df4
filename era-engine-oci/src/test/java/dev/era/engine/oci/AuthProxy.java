package dev.era.engine.oci;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A read-only front of {@link TestRegistry} that demands authentication as real registries do:
 * either {@code Basic} directly, or a {@code Bearer} token from its own {@code /token} endpoint
 * (which checks Basic credentials). Records the Range headers it forwards.
 */
final class AuthProxy implements AutoCloseable {
    enum Mode { BASIC, BEARER }

    static final String USER = "alice";
    static final String PASSWORD = "s3cret";
    static final String TOKEN = "token-for-alice";

    final String host;
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final List<String> tokenScopes = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String upstream;
    private final Mode mode;

    AuthProxy(String upstream, Mode mode) throws IOException {
        this.upstream = upstream;
        this.mode = mode;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::token);
        server.createContext("/v2/", this::forward);
        server.start();
        host = "127.0.0.1:" + server.getAddress().getPort();
    }

    private static boolean basicOk(String header) {
        String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        return expected.equals(header);
    }

    private void token(HttpExchange ex) throws IOException {
        tokenScopes.add(String.valueOf(ex.getRequestURI().getQuery()));
        if (!basicOk(ex.getRequestHeaders().getFirst("Authorization"))) {
            reply(ex, 401, "{}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        reply(ex, 200, ("{\"token\":\"" + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private void forward(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        boolean ok = mode == Mode.BASIC ? basicOk(auth) : ("Bearer " + TOKEN).equals(auth);
        if (!ok) {
            ex.getResponseHeaders().add("WWW-Authenticate", mode == Mode.BASIC ? "Basic realm=\"test\""
                    : "Bearer realm=\"http://" + host + "/token\",service=\"test-registry\",scope=\"repository:"
                    + ex.getRequestURI().getPath().split("/")[2] + "/" + ex.getRequestURI().getPath().split("/")[3] + ":pull\"");
            reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + upstream + ex.getRequestURI()))
                .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
        for (String h : List.of("Accept", "Range")) {
            String v = ex.getRequestHeaders().getFirst(h);
            if (v != null) {
                request.header(h, v);
                if (h.equals("Range")) {
                    ranges.add(v);
                }
            }
        }
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            for (String h : List.of("Content-Type", "Docker-Content-Digest", "Content-Range")) {
                response.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().add(h, v));
            }
            byte[] body = response.body().readAllBytes();
            reply(ex, response.statusCode(), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
