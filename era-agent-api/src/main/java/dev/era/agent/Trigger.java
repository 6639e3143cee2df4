package dev.era.agent;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * Why a tick runs. A closed family: switch over it with pattern matching and the compiler tells
 * you when a backend adds nothing you have not handled.
 * <p>
 * Byte arrays in triggers belong to the runtime: read them, do not change them.
 */
public sealed interface Trigger {

    /**
     * A message sent with the runtime's {@code send} or by another agent's
     * {@link AgentContext#send}. Messages from one sender arrive in the order they were sent.
     *
     * @param sender {@code type/id} of the sending agent, or {@code ""} when the sender is not an agent
     */
    record Message(byte[] data, String sender) implements Trigger {
        public Message {
            requireNonNull(data, "data");
            requireNonNull(sender, "sender");
        }

        public Message(String text) {
            this(utf8(text), "");
        }

        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }

        /** Whether another agent sent this message (rather than a client of the runtime). */
        public boolean fromAgent() {
            return !sender.isEmpty();
        }
    }

    /**
     * An alarm set with {@link AgentContext#alarms()} is due. Alarms fire at least once: a tick
     * that fails is retried, and one that was running when the process died fires again after
     * the restart, so make the handling idempotent (the {@code scheduledAt} tells repeats apart).
     *
     * @param scheduledAt when the alarm was due (the tick may run later, after a restart)
     * @param data        what was given when the alarm was set ({@code ""} if nothing)
     */
    record Alarm(String name, Instant scheduledAt, String data) implements Trigger {
        public Alarm {
            requireNonNull(name, "name");
            requireNonNull(scheduledAt, "scheduledAt");
            requireNonNull(data, "data");
        }
    }

    /**
     * An HTTP request routed to the agent. The reply's {@link TickResult#status()} and body
     * become the response.
     *
     * @param path    the path below the agent's own URL, starting with {@code /}
     * @param headers header names in lower case
     */
    record Request(String method, String path, Map<String, String> headers, byte[] body) implements Trigger {
        public Request {
            requireNonNull(method, "method");
            requireNonNull(path, "path");
            headers = Map.copyOf(headers);
            requireNonNull(body, "body");
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * A client opened a connection (a WebSocket). It is already in
     * {@link Connections#list()}; reply with a status of 400 or more to refuse it.
     *
     * @param params what the client gave when connecting (query parameters)
     */
    record Connect(String connectionId, Map<String, String> params) implements Trigger {
        public Connect {
            requireNonNull(connectionId, "connectionId");
            params = Map.copyOf(params);
        }
    }

    /** A client sent a frame on an open connection. */
    record SocketMessage(String connectionId, byte[] data, boolean binary) implements Trigger {
        public SocketMessage {
            requireNonNull(connectionId, "connectionId");
            requireNonNull(data, "data");
        }

        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /**
     * A client closed its connection, or it broke. The connection is already gone from
     * {@link Connections#list()}, so this tick can no longer send to it; its last attachment
     * comes with the trigger (who left).
     */
    record Disconnect(String connectionId, int code, String reason, String attachment) implements Trigger {
        public Disconnect {
            requireNonNull(connectionId, "connectionId");
            requireNonNull(reason, "reason");
            requireNonNull(attachment, "attachment");
        }
    }

    private static void requireNonNull(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("A trigger's " + name + " is required");
        }
    }

    private static byte[] utf8(String text) {
        requireNonNull(text, "text");
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
