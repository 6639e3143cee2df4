package dev.era.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;

import java.util.Collection;
import java.util.Map;

/**
 * Jackson, loaded on first use: /health must answer within a few hundred milliseconds of JVM start
 * and does not need it.
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            // A tree of plain nodes always serialises; reaching this is a bug.
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** Parses a request body; anything that is not one JSON document is a 400. */
    static JsonNode parse(String body) {
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw new BadRequestException("the body is empty; send a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new BadRequestException("the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    static String text(JsonNode node) {
        return node.toString();
    }

    /** Details maps come from exceptions and may hold any value; unknown ones are written as strings. */
    static JsonNode value(Object v) {
        return switch (v) {
            case null -> NODES.nullNode();
            case String s -> NODES.textNode(s);
            case Integer i -> NODES.numberNode(i);
            case Long l -> NODES.numberNode(l);
            case Double d -> NODES.numberNode(d);
            case Number n -> NODES.numberNode(n.doubleValue());
            case Boolean b -> NODES.booleanNode(b);
            case JsonNode n -> n;
            case Map<?, ?> m -> {
                ObjectNode o = object();
                m.forEach((k, x) -> o.set(String.valueOf(k), value(x)));
                yield o;
            }
            case Collection<?> c -> {
                ArrayNode a = array();
                c.forEach(x -> a.add(value(x)));
                yield a;
            }
            default -> NODES.textNode(String.valueOf(v));
        };
    }
}
