package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.agent.AlarmInfo;
import dev.era.agent.KvEntry;
import dev.era.agents.AgentView;
import dev.era.agents.RuntimeStats;
import dev.era.agents.spi.DeadLetter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** The JSON shapes of {@code /agents/...}; openapi.json documents the same. */
final class AgentViews {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private AgentViews() {
    }

    static ObjectNode served(AgentDirectory.Served s, String deploymentName) {
        ObjectNode o = Json.object();
        o.put("type", s.type());
        o.put("deployment", s.deployment().value());
        o.put("deploymentName", deploymentName);
        o.set("stats", stats(s.runtime().admin().stats()));
        return o;
    }

    static ObjectNode stats(RuntimeStats s) {
        ObjectNode o = Json.object();
        o.put("activations", s.activations());
        o.put("loaded", s.loaded());
        o.put("connections", s.connections());
        o.put("ticks", s.ticks());
        o.put("wakes", s.wakes());
        o.put("failures", s.failures());
        o.put("retries", s.retries());
        o.put("deadLettered", s.deadLettered());
        o.put("commits", s.commits());
        o.put("writes", s.writes());
        o.put("alarmsQueued", s.alarmsQueued());
        return o;
    }

    static ObjectNode agent(AgentView v) {
        ObjectNode o = Json.object();
        o.put("type", v.agent().type());
        o.put("id", v.agent().id());
        o.put("loaded", v.loaded());
        o.put("queued", v.queued());
        o.put("connections", v.connections());
        if (v.state().isPresent()) {
            putBytes(o, "state", v.state().get());
        } else {
            o.putNull("state");
        }
        o.set("alarms", alarms(v.alarms()));
        return o;
    }

    static ArrayNode alarms(List<AlarmInfo> alarms) {
        ArrayNode out = Json.array();
        for (AlarmInfo a : alarms) {
            ObjectNode o = out.addObject();
            o.put("name", a.name());
            o.put("due", a.due().toString());
            o.put("schedule", a.schedule().text());
            o.put("data", a.data());
        }
        return out;
    }

    static ArrayNode kv(List<KvEntry> entries) {
        ArrayNode out = Json.array();
        for (KvEntry e : entries) {
            ObjectNode o = out.addObject();
            o.put("key", e.key());
            putBytes(o, "value", e.value());
        }
        return out;
    }

    static ArrayNode deadLetters(List<DeadLetter> letters) {
        ArrayNode out = Json.array();
        for (DeadLetter d : letters) {
            ObjectNode o = out.addObject();
            o.put("seq", d.seq());
            o.put("trigger", d.trigger());
            putBytes(o, "payload", d.payload());
            o.put("error", d.error());
            o.put("attempts", d.attempts());
            o.put("failedAt", d.failedAt().toString());
        }
        return out;
    }

    /** JSON as JSON, other UTF-8 as a string, anything else as base64 with a {@code <field>Encoding} marker. */
    static void putBytes(ObjectNode o, String field, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException binary) {
            o.put(field, Base64.getEncoder().encodeToString(bytes));
            o.put(field + "Encoding", "base64");
            return;
        }
        JsonNode json = parse(text);
        if (json != null) {
            o.set(field, json);
        } else {
            o.put(field, text);
        }
    }

    /** The text as a JSON tree, or null when it is not one JSON value. */
    static JsonNode parse(String text) {
        try {
            JsonNode n = MAPPER.readTree(text);
            return n == null || n.isMissingNode() ? null : n;
        } catch (IOException e) {
            return null;
        }
    }
}
