package dev.era.agent;

import java.nio.charset.StandardCharsets;

/**
 * What a tick answers. The reply reaches its caller only after the tick's changes committed
 * (the output gate); a tick that fails never answers.
 *
 * @param status    HTTP-like: 2xx success; for a {@link Trigger.Connect}, 400 or more refuses the connection
 * @param body      the reply; empty when there is none. Do not change it after returning.
 * @param hibernate ask the runtime to drop the agent from memory right after this tick
 */
public record TickResult(int status, byte[] body, boolean hibernate) {
    private static final byte[] EMPTY = new byte[0];
    private static final TickResult OK = new TickResult(200, EMPTY, false);

    public TickResult {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("A tick's status must be 100 to 599, like HTTP; got " + status);
        }
        if (body == null) {
            throw new IllegalArgumentException("A tick's reply body is required; use TickResult.ok() for none");
        }
    }

    /** Success without a reply body. */
    public static TickResult ok() {
        return OK;
    }

    public static TickResult reply(String text) {
        return new TickResult(200, text.getBytes(StandardCharsets.UTF_8), false);
    }

    public static TickResult reply(byte[] body) {
        return new TickResult(200, body, false);
    }

    /** A reply with a status: an HTTP response for a {@link Trigger.Request}, a refusal for a {@link Trigger.Connect}. */
    public static TickResult status(int status, String text) {
        return new TickResult(status, text.getBytes(StandardCharsets.UTF_8), false);
    }

    /** The same result, asking to drop the agent from memory after the tick. */
    public TickResult thenHibernate() {
        return new TickResult(status, body, true);
    }

    public boolean succeeded() {
        return status < 400;
    }

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
