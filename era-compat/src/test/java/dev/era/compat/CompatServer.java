package dev.era.compat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.http.EraServer;
import dev.era.http.FakeAuthenticator;
import dev.era.http.FakeDeploymentService;
import dev.era.http.FakeSandboxService;
import dev.era.http.HttpConfig;
import dev.era.http.RouteModule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A real ERA server over era-http's fake sandbox service (host processes in a directory) with the
 * compatibility modules mounted, and a small JSON client for it. Tenant a's key by default.
 */
final class CompatServer implements AutoCloseable {
    static final String KEY_A = FakeAuthenticator.KEY_A;
    static final String KEY_B = FakeAuthenticator.KEY_B;

    final FakeSandboxService sandboxes;
    private final EraServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    CompatServer(Path dir, Function<FakeSandboxService, List<RouteModule>> modules) {
        sandboxes = new FakeSandboxService(dir.resolve("sandboxes"));
        server = EraServer.start(new HttpConfig("127.0.0.1", 0, Optional.empty()), new FakeDeploymentService(),
                sandboxes, new FakeAuthenticator(), modules.apply(sandboxes));
    }

    record Reply(int status, java.net.http.HttpHeaders headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return Call.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text(), e);
            }
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.tcpPort() + path);
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), KEY_A, "X-API-Key");
    }

    Reply post(String path, String json) {
        return post(path, json, KEY_A);
    }

    Reply post(String path, String json, String key) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), key, "Authorization");
    }

    Reply send(HttpRequest.Builder request, String key, String header) {
        request.header(header, header.equals("Authorization") ? "Bearer " + key : key);
        request.timeout(Duration.ofSeconds(60));
        try {
            HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    HttpClient client() {
        return http;
    }

    @Override
    public void close() {
        server.close();
        http.close();
    }
}
