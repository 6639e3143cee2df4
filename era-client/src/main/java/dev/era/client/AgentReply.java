package dev.era.client;

import java.nio.charset.StandardCharsets;

/**
 * An agent's answer to a message, after its tick committed.
 *
 * @param status the agent's status (HTTP-like; 400 or more when the agent refused the message)
 * @param body   the agent's reply, empty when there is none
 */
public record AgentReply(int status, byte[] body) {
    public AgentReply {
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public boolean ok() {
        return status < 400;
    }
}
