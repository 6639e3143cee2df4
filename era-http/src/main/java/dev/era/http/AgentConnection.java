package dev.era.http;

import dev.era.agent.AgentRef;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.AgentSocket;
import dev.era.agents.SocketSink;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One client's WebSocket to an agent: frames from the client become the agent's
 * {@code SocketMessage} ticks (text as text, binary as bytes, in order); what the agent sends
 * reaches the client after its tick committed. The connection is the runtime's, not the agent's,
 * so it stays open while the agent hibernates and the next frame wakes it. The agent accepted it
 * before the upgrade, so what it sends in its Connect tick is held here until the socket opens.
 *
 * <p>Public only because Jetty finds listener methods through a public method-handle lookup; it
 * is created by {@link AgentSocketEndpoints} alone.
 */
public final class AgentConnection implements Session.Listener.AutoDemanding, SocketSink {
    private static final Logger LOG = LoggerFactory.getLogger(AgentConnection.class);

    private final AgentRef agent;
    private final Duration heartbeat;
    private final Object lock = new Object();
    /** Frames (String or byte[]) the agent sent before the socket opened. */
    private final List<Object> early = new ArrayList<>();
    private volatile AgentSocket socket;
    private Session session;
    private int closeCode;
    private String closeReason;
    private volatile long lastHeard = System.nanoTime();
    private volatile boolean closed;

    /** @param heartbeat how often to ping the client; a client silent for four heartbeats is dropped */
    AgentConnection(AgentRef agent, Duration heartbeat) {
        this.agent = agent;
        this.heartbeat = heartbeat;
    }

    /** The runtime's side, once the agent accepted the connection. */
    void accepted(AgentSocket socket) {
        this.socket = socket;
    }

    // --- the agent's side (SocketSink): called after commits, must not block

    @Override
    public void sendText(String text) {
        synchronized (lock) {
            if (session == null) {
                early.add(text);
            } else {
                session.sendText(text, Callback.NOOP);
            }
        }
    }

    @Override
    public void sendBinary(byte[] data) {
        synchronized (lock) {
            if (session == null) {
                early.add(data.clone());
            } else {
                session.sendBinary(ByteBuffer.wrap(data), Callback.NOOP);
            }
        }
    }

    @Override
    public void close(int code, String reason) {
        synchronized (lock) {
            if (session == null) {
                closeCode = code;
                closeReason = reason;
            } else {
                session.close(code, reason, Callback.NOOP);
            }
        }
    }

    // --- the client's side (Jetty)

    @Override
    public void onWebSocketOpen(Session s) {
        synchronized (lock) {
            session = s;
            for (Object frame : early) {
                if (frame instanceof String text) {
                    s.sendText(text, Callback.NOOP);
                } else {
                    s.sendBinary(ByteBuffer.wrap((byte[]) frame), Callback.NOOP);
                }
            }
            early.clear();
            if (closeCode != 0) {
                s.close(closeCode, closeReason, Callback.NOOP);
                return;
            }
        }
        Thread.ofVirtual().name("agent-ws-heartbeat-" + agent).start(this::heartbeat);
    }

    @Override
    public void onWebSocketText(String message) {
        lastHeard = System.nanoTime();
        deliver(() -> socket.send(message));
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        lastHeard = System.nanoTime();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        deliver(() -> socket.send(bytes));
        callback.succeed();
    }

    /** A full mailbox or a closed runtime ends the connection with a close code that says so. */
    private void deliver(Runnable send) {
        try {
            send.run();
        } catch (AgentRuntimeException.Overloaded e) {
            endWith(StatusCode.TRY_AGAIN_LATER, "agent " + agent + " is overloaded; reconnect and send slower");
        } catch (AgentRuntimeException.Closed e) {
            endWith(StatusCode.SERVICE_RESTART, "the agent's package was stopped; reconnect later");
        }
    }

    private void endWith(int code, String reason) {
        Session s;
        synchronized (lock) {
            s = session;
        }
        if (s != null) {
            s.close(code, reason, Callback.NOOP);
        }
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        lastHeard = System.nanoTime();
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        lastHeard = System.nanoTime();
        Session s = session();
        if (s != null) {
            s.sendPong(payload, Callback.NOOP);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        end(statusCode, reason);
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.debug("WebSocket to agent {} failed: {}", agent, cause.toString());
        end(StatusCode.ABNORMAL, "connection failed");
    }

    /** The agent gets its Disconnect; closing twice is harmless. */
    private void end(int code, String reason) {
        closed = true;
        AgentSocket s = socket;
        if (s != null) {
            try {
                s.close(code, reason == null ? "" : reason);
            } catch (AgentRuntimeException e) {
                LOG.debug("closing the connection to agent {} failed: {}", agent, e.toString());
            }
        }
    }

    private Session session() {
        synchronized (lock) {
            return session;
        }
    }

    private void heartbeat() {
        long silence = heartbeat.toNanos() * 4;
        while (!closed) {
            try {
                Thread.sleep(heartbeat);
            } catch (InterruptedException e) {
                return;
            }
            Session s = session();
            if (closed || s == null || !s.isOpen()) {
                return;
            }
            if (System.nanoTime() - lastHeard > silence) {
                s.close(StatusCode.SHUTDOWN, "no answer to pings", Callback.NOOP);
                return;
            }
            s.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
        }
    }
}
