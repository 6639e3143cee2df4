package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One connection held by the runtime, not by the agent: it outlives the agent's hibernation, and
 * so does its attachment, which lives here.
 */
final class LocalSocket implements AgentSocket {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSocket.class);

    private final String id;
    private final AgentRef agent;
    private final SocketSink sink;
    private final LocalAgentRuntime runtime;
    private volatile String attachment = "";
    private volatile boolean open = true;

    LocalSocket(String id, AgentRef agent, SocketSink sink, LocalAgentRuntime runtime) {
        this.id = id;
        this.agent = agent;
        this.sink = sink;
        this.runtime = runtime;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public AgentRef agent() {
        return agent;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    String attachment() {
        return attachment;
    }

    @Override
    public void send(String text) {
        deliver(new Trigger.SocketMessage(id, text.getBytes(StandardCharsets.UTF_8), false));
    }

    @Override
    public void send(byte[] data) {
        deliver(new Trigger.SocketMessage(id, data.clone(), true));
    }

    private void deliver(Trigger.SocketMessage frame) {
        if (!open) {
            throw new AgentRuntimeException.Closed("The connection " + id + " to " + agent + " is closed; connect again",
                    Map.of("agent", agent.toString(), "connection", id));
        }
        runtime.deliverFromSocket(this, frame);
    }

    @Override
    public void close(int code, String reason) {
        if (markClosed()) {
            runtime.deliverFromSocket(this, new Trigger.Disconnect(id, code, reason == null ? "" : reason, attachment));
        }
    }

    // ---- from the agent, after its tick committed ----

    void attach(String value) {
        attachment = value;
    }

    void sendFromAgent(String text, byte[] data) {
        if (!open) {
            return;
        }
        try {
            if (text != null) {
                sink.sendText(text);
            } else {
                sink.sendBinary(data);
            }
        } catch (RuntimeException e) {
            LOG.warn("The connection {} to {} failed to send and is closed: {}", id, agent, e.toString());
            broken(e.toString());
        }
    }

    void closeFromAgent(int code, String reason) {
        if (markClosed()) {
            closeSink(code, reason);
        }
    }

    /** The sink failed: close it and tell the agent, as if the client had gone away. */
    void broken(String why) {
        if (markClosed()) {
            closeSink(1011, "connection failed");
            runtime.deliverFromSocket(this, new Trigger.Disconnect(id, 1006, why, attachment));
        }
    }

    private void closeSink(int code, String reason) {
        try {
            sink.close(code, reason);
        } catch (RuntimeException e) {
            LOG.debug("closing connection {} of {} failed", id, agent, e);
        }
    }

    private boolean markClosed() {
        synchronized (this) {
            if (!open) {
                return false;
            }
            open = false;
        }
        runtime.sockets.remove(this);
        return true;
    }
}
