package dev.era.agents.cluster;

import dev.era.agent.AgentRef;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.AgentRuntimeException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Sends a trigger to the node that owns the agent (JDK HttpClient, HTTP/1.1 keep-alive). */
final class Forwarder implements AutoCloseable {
    /** Thrown (inside the future) when the peer certainly did not run the tick: refused connection or not the owner. */
    static final class NotDelivered extends RuntimeException {
        NotDelivered(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).executor(executor).build();
    private final Duration timeout;
    private final String self;

    Forwarder(Duration timeout, String self) {
        this.timeout = timeout;
        this.self = self;
    }

    CompletableFuture<TickResult> forward(Route to, AgentRef agent, Trigger trigger) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + to.address() + Wire.path(agent, trigger)))
                .timeout(timeout).header(Wire.FORWARDED, "1").header(Wire.NODE, self);
        byte[] body;
        if (trigger instanceof Trigger.Request r) {
            b.header(Wire.METHOD, r.method()).header(Wire.PATH, r.path());
            for (Map.Entry<String, String> h : r.headers().entrySet()) {
                b.header(Wire.HEADER + h.getKey(), h.getValue());
            }
            body = r.body();
        } else if (trigger instanceof Trigger.Message m) {
            body = m.data();
        } else {
            throw new IllegalArgumentException("Only messages and requests are forwarded; got " + trigger.getClass().getSimpleName());
        }
        return client.sendAsync(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray())
                .handle((resp, error) -> {
                    if (error != null) {
                        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                        if (t instanceof ConnectException) {
                            throw new NotDelivered("Node " + to.nodeId() + " at " + to.address() + " refused the connection", t);
                        }
                        String what = t instanceof HttpTimeoutException ? "did not answer within " + timeout.toMillis() + " ms"
                                : "failed: " + t;
                        throw new AgentRuntimeException.RemoteFailure("The call to " + agent + " on node " + to.nodeId() + " at "
                                + to.address() + " " + what + "; the tick may or may not have happened", "agent_owner_unreachable",
                                504, Map.of("agent", agent.toString(), "node", to.nodeId()), t instanceof IOException ? t : null);
                    }
                    String code = resp.headers().firstValue(Wire.ERROR).orElse(null);
                    if (code == null) {
                        int status = resp.headers().firstValue(Wire.TICK_STATUS).map(Integer::parseInt).orElse(resp.statusCode());
                        return new TickResult(status, resp.body(), false);
                    }
                    String message = new String(resp.body(), StandardCharsets.UTF_8);
                    if (code.equals("agent_not_owned") || code.equals("agent_runtime_closed")) {
                        throw new NotDelivered(message, null);
                    }
                    throw new AgentRuntimeException.RemoteFailure(message + " (on node " + to.nodeId() + ")", code,
                            resp.statusCode(), Map.of("agent", agent.toString(), "node", to.nodeId()), null);
                });
    }

    @Override
    public void close() {
        client.close();
        executor.shutdownNow();
    }
}
