package dev.era.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.AppStatus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the daemon's JSON into the client's records; the shapes are documented in /openapi.json. */
final class Wire {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Wire() {
    }

    /**
     * The body as a tree, read with Jackson's streaming parser. An ObjectMapper (what readTree
     * needs) takes ~30 ms to make, a fifth of what {@code era ps} may take in all; the tree is the
     * one readTree would build (int, long or big integer nodes by size, doubles, later keys win).
     */
    static JsonNode parse(byte[] body) throws IOException {
        try (JsonParser p = FACTORY.createParser(body)) {
            JsonToken first = p.nextToken();
            return first == null ? MissingNode.getInstance() : read(p, first);
        }
    }

    static JsonNode parse(String text) throws IOException {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode read(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                    o.set(field, read(p, p.nextToken()));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken()) {
                    a.add(read(p, x));
                }
                yield a;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new JsonParseException(p, "unexpected " + t + " in the daemon's answer");
        };
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static Deployment deployment(JsonNode n) {
        JsonNode exit = n.path("lastExitCode");
        return new Deployment(text(n, "id"), text(n, "name"), text(n, "tenant"), text(n, "engine"),
                n.path("version").asInt(), text(n, "state"), text(n, "health"), n.path("pid").asLong(),
                n.path("restarts").asInt(), exit.isNumber() ? exit.asInt() : -1, text(n, "message"),
                time(n, "createdAt"), time(n, "updatedAt"), n.path("spec"), n);
    }

    static List<Deployment> deployments(JsonNode n) {
        List<Deployment> out = new ArrayList<>();
        n.path("deployments").forEach(d -> out.add(deployment(d)));
        return out;
    }

    static DeploymentStatus status(JsonNode n) {
        List<String> tail = new ArrayList<>();
        n.path("logTail").forEach(l -> tail.add(l.asText()));
        return new DeploymentStatus(deployment(n), observed(n.path("observed")), tail, n);
    }

    static AppStatus observed(JsonNode o) {
        return switch (text(o, "state")) {
            case "running" -> new AppStatus.Running(o.path("pid").asLong(), time(o, "startedAt"));
            case "exited" -> new AppStatus.Exited(o.path("exitCode").asInt(), text(o, "reason"), time(o, "at"));
            default -> new AppStatus.Gone(text(o, "reason"));
        };
    }

    static Event event(JsonNode n) {
        Map<String, String> details = new LinkedHashMap<>();
        n.path("details").properties().forEach(e -> details.put(e.getKey(), e.getValue().asText()));
        return new Event(n.path("seq").asLong(), time(n, "at"), text(n, "tenant"), text(n, "deployment"),
                text(n, "name"), text(n, "type"), text(n, "state"), text(n, "message"), details, n);
    }

    static EventPage events(JsonNode n) {
        List<Event> out = new ArrayList<>();
        n.path("events").forEach(e -> out.add(event(e)));
        return new EventPage(out, n.path("lastSeq").asLong());
    }

    static List<Plugin> plugins(JsonNode n) {
        List<Plugin> out = new ArrayList<>();
        for (JsonNode p : n.path("plugins")) {
            List<String> caps = new ArrayList<>();
            p.path("capabilities").forEach(c -> caps.add(c.asText()));
            out.add(new Plugin(text(p, "name"), caps));
        }
        return out;
    }

    static ApiKey apiKey(JsonNode n) {
        return new ApiKey(text(n, "id"), text(n, "tenant"), text(n, "label"), time(n, "createdAt"));
    }

    static IssuedKey issuedKey(JsonNode n) {
        return new IssuedKey(apiKey(n), text(n, "key"));
    }

    static List<ApiKey> keys(JsonNode n) {
        List<ApiKey> out = new ArrayList<>();
        n.path("keys").forEach(k -> out.add(apiKey(k)));
        return out;
    }

    static List<String> lines(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.path("lines").forEach(l -> out.add(l.asText()));
        return out;
    }

    static List<SpecVersion> versions(JsonNode n) {
        List<SpecVersion> out = new java.util.ArrayList<>();
        for (JsonNode v : n.path("versions")) {
            out.add(new SpecVersion(v.path("version").asInt(), v.path("current").asBoolean(), time(v, "createdAt"),
                    v.path("spec")));
        }
        return List.copyOf(out);
    }

    /** A missing or null field reads as "" so that records hold no nulls. */
    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isNull() || v.isMissingNode() ? "" : v.asText();
    }

    /** A missing time reads as the epoch rather than null. */
    private static Instant time(JsonNode n, String field) {
        String v = text(n, field);
        try {
            return v.isEmpty() ? Instant.EPOCH : Instant.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
