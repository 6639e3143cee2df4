package dev.era.http;

import dev.era.core.DeploymentService;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** {@code /health}, {@code /plugins}, {@code /metrics} and {@code /openapi.json}. */
final class SystemEndpoints {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);

    private final DeploymentService deployments;
    private final Metrics metrics;

    SystemEndpoints(DeploymentService deployments, Metrics metrics) {
        this.deployments = deployments;
        this.metrics = metrics;
    }

    void register(Router r) {
        // Written without Jackson so that the first answer does not wait for it to load.
        r.addOpen("GET", "/health", ex -> ex.bytes(200, "application/json", HEALTHY));
        r.add("GET", "/plugins", ex -> ex.json(200, Views.plugins(deployments.plugins())));
        r.add("GET", "/metrics", ex -> ex.bytes(200, Metrics.CONTENT_TYPE,
                metrics.render(deployments.list(ex.caller())).getBytes(StandardCharsets.UTF_8)));
        r.add("GET", "/openapi.json", ex -> ex.bytes(200, "application/json", OpenApi.DOCUMENT));
    }

    /** The hand-written OpenAPI document, read once on first request. */
    static final class OpenApi {
        static final byte[] DOCUMENT = load();

        private OpenApi() {
        }

        private static byte[] load() {
            try (InputStream in = SystemEndpoints.class.getResourceAsStream("openapi.json")) {
                if (in == null) {
                    throw new IllegalStateException("openapi.json is missing from the era-http jar");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
