package dev.era.agent;

import java.util.List;
import java.util.Optional;

/**
 * The clients connected to this agent (WebSockets). The host, not the agent, holds them: they
 * stay open while the agent hibernates, and the next frame wakes it. Each connection carries an
 * attachment, a string the agent sets (who the client is, what it subscribed to) and finds
 * again after hibernation without reloading anything.
 * <p>
 * Sends, closes and attachment changes leave only when the tick commits, in order.
 */
public interface Connections {
    /** Longest attachment, in characters; larger data belongs in the KV store. */
    int MAX_ATTACHMENT_LENGTH = 16 * 1024;

    /** The open connections, oldest first, with their attachments as this tick sees them. */
    List<ConnectionInfo> list();

    Optional<ConnectionInfo> get(String connectionId);

    /** Sends a text frame; a connection that closed meanwhile is skipped. */
    void send(String connectionId, String text);

    void send(String connectionId, byte[] data);

    /** Sends a text frame to every open connection. */
    void broadcast(String text);

    /** Sends a text frame to every open connection but {@code exceptConnectionId}. */
    void broadcast(String text, String exceptConnectionId);

    /** Closes the connection with a WebSocket close code (1000 is normal) and a reason. No {@link Trigger.Disconnect} follows. */
    void close(String connectionId, int code, String reason);

    /** Replaces the connection's attachment. */
    void attach(String connectionId, String attachment);
}
