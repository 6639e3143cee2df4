package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Agents served by the daemon ({@code /agents/...}): send a message and get the reply, connect a
 * WebSocket, and read what operators see (state, KV, alarms, dead letters). From {@link EraClient#agents()}.
 */
public final class Agents {
    private static final Duration ANSWER_TIME = Duration.ofSeconds(90);

    private final EraClient client;
    private final Http1 http;

    Agents(EraClient client, Http1 http) {
        this.client = client;
        this.http = http;
    }

    /**
     * Sends a text message to an agent and returns its reply. The agent's own refusals (a 4xx it
     * answered) come back as a reply; the daemon's errors (an unknown type, a bad id) are thrown.
     */
    public AgentReply send(String type, String id, String message) {
        Http1.Reply r = http.call("POST", path(type, id) + "/messages", "text/plain; charset=utf-8",
                message.getBytes(StandardCharsets.UTF_8), ANSWER_TIME);
        String contentType = r.headers().getOrDefault("content-type", "");
        if (r.status() >= 400 && contentType.startsWith("application/json")) {
            throw client.failure(r);
        }
        return new AgentReply(r.status(), r.body());
    }

    /** The agent types this caller can reach. */
    public List<AgentType> types() {
        List<AgentType> out = new ArrayList<>();
        for (JsonNode t : client.fetch("/agents").path("types")) {
            out.add(new AgentType(t.path("type").asText(), t.path("deployment").asText(),
                    t.path("deploymentName").asText(), t.path("stats").path("loaded").asLong(),
                    t.path("stats").path("ticks").asLong(), t));
        }
        return out;
    }

    /** Ids of the stored agents of a type, in order, after {@code after} ("" for the first page). */
    public List<String> ids(String type, String after, int limit) {
        String q = "?limit=" + limit + (after.isEmpty() ? "" : "&after=" + EraClient.query(after));
        List<String> out = new ArrayList<>();
        client.fetch("/agents/" + EraClient.segment(type) + q).path("ids").forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The agent as stored and loaded: {@code state}, {@code loaded}, {@code queued}, {@code connections}, {@code alarms}. */
    public JsonNode get(String type, String id) {
        return client.fetch(path(type, id));
    }

    /** KV entries whose key starts with {@code prefix}, in key order: {@code [{"key", "value"}]}. */
    public JsonNode kv(String type, String id, String prefix) {
        return client.fetch(path(type, id) + "/kv?prefix=" + EraClient.query(prefix) + "&limit=1000").path("entries");
    }

    public JsonNode alarms(String type, String id) {
        return client.fetch(path(type, id) + "/alarms").path("alarms");
    }

    /** Triggers given up on after their retries, newest first. */
    public JsonNode deadLetters(String type, String id) {
        return client.fetch(path(type, id) + "/dead-letters").path("deadLetters");
    }

    /**
     * Opens a WebSocket to an agent; {@code params} are its Connect trigger's parameters. The agent's
     * refusal (its Connect tick answered 400 or more) is thrown as an {@link EraClientException} with its status.
     */
    public AgentSession connect(String type, String id, Map<String, String> params, Consumer<String> messages) {
        StringBuilder q = new StringBuilder();
        params.forEach((k, v) -> q.append(q.isEmpty() ? '?' : '&').append(EraClient.query(k)).append('=')
                .append(EraClient.query(v)));
        String key = WebSocketChannel.newKey();
        String headers = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n";
        Object answer = http.upgrade(path(type, id) + "/connect" + q, headers, ANSWER_TIME);
        if (answer instanceof Http1.Reply refused) {
            throw refused.status() >= 400 ? client.failure(refused) : new EraClientException(refused.status(),
                    "bad_answer", "the daemon did not switch to a WebSocket (status " + refused.status() + ")", null);
        }
        Http1.Upgraded up = (Http1.Upgraded) answer;
        if (!WebSocketChannel.accept(key).equals(up.headers().get("sec-websocket-accept"))) {
            Http1.closeQuietly(up.channel());
            throw new EraClientException(101, "bad_answer", "the daemon's WebSocket handshake did not match the key",
                    null);
        }
        return AgentSession.start(new WebSocketChannel(up.channel(), up.in()), client.target(), messages);
    }

    private static String path(String type, String id) {
        return "/agents/" + EraClient.segment(type) + "/" + EraClient.segment(id);
    }
}
