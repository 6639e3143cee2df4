package dev.era.client;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A WebSocket to one agent, made by {@link Agents#connect}. What the agent sends arrives on the
 * consumer (on one background thread, in order); {@link #closed()} completes with the close code
 * when the connection ends. The connection stays open while the agent hibernates.
 */
public final class AgentSession implements AutoCloseable {
    private final WebSocketChannel socket;
    private final String describe;
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();

    private AgentSession(WebSocketChannel socket, String describe) {
        this.socket = socket;
        this.describe = describe;
    }

    static AgentSession start(WebSocketChannel socket, String describe, Consumer<String> messages) {
        AgentSession s = new AgentSession(socket, describe);
        Thread t = new Thread(() -> s.run(messages), "era-client-agent");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void run(Consumer<String> messages) {
        try {
            while (true) {
                WebSocketChannel.Message m = socket.read();
                if (m.close()) {
                    closed.complete(m.closeCode());
                    return;
                }
                messages.accept(new String(m.data(), java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            closed.complete(1006);
        } finally {
            socket.close();
        }
    }

    /** Sends one text frame: a {@code SocketMessage} tick of the agent. */
    public void send(String text) {
        try {
            socket.sendText(text);
        } catch (IOException e) {
            throw new EraClientException(0, "io_error", "cannot send to the agent at " + describe + ": "
                    + e.getMessage(), null, e);
        }
    }

    /** Completes with the WebSocket close code (1006 when the connection broke without one). */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    /** Closes the connection normally; the agent gets a {@code Disconnect}. */
    @Override
    public void close() {
        try {
            socket.sendClose(1000, "client closed");
        } catch (IOException e) {
            socket.close();
        }
    }
}
