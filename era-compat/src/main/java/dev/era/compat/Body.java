package dev.era.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON request body, read field by field. A JSON {@code null} is the same as an absent field,
 * as the SDKs send {@code null} for "not set". A value of the wrong type is a 400 naming the field.
 */
record Body(ObjectNode node) {
    boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    Optional<JsonNode> get(String field) {
        return Optional.ofNullable(node.get(field)).filter(v -> !v.isNull());
    }

    Optional<String> text(String field) {
        return get(field).map(v -> {
            if (!v.isTextual()) {
                throw bad(field, "must be a string");
            }
            return v.asText();
        });
    }

    String required(String field) {
        return text(field).filter(s -> !s.isEmpty()).orElseThrow(() -> bad(field, "is required"));
    }

    Optional<Boolean> bool(String field) {
        return get(field).map(v -> {
            if (!v.isBoolean()) {
                throw bad(field, "must be true or false");
            }
            return v.asBoolean();
        });
    }

    Optional<Double> number(String field) {
        return get(field).map(v -> {
            if (!v.isNumber()) {
                throw bad(field, "must be a number");
            }
            return v.asDouble();
        });
    }

    /** A string-to-string object such as metadata or environment variables; absent = empty. */
    Map<String, String> strings(String field) {
        Map<String, String> out = new LinkedHashMap<>();
        get(field).ifPresent(v -> {
            if (!v.isObject()) {
                throw bad(field, "must be an object of strings");
            }
            v.properties().forEach(e -> {
                if (!e.getValue().isTextual()) {
                    throw bad(field + "." + e.getKey(), "must be a string");
                }
                out.put(e.getKey(), e.getValue().asText());
            });
        });
        return out;
    }

    /** A list of strings; a single string counts as a list of one. */
    List<String> list(String field) {
        List<String> out = new ArrayList<>();
        get(field).ifPresent(v -> {
            if (v.isTextual()) {
                out.add(v.asText());
                return;
            }
            if (!v.isArray()) {
                throw bad(field, "must be a list of strings");
            }
            v.forEach(x -> {
                if (!x.isTextual()) {
                    throw bad(field, "must be a list of strings");
                }
                out.add(x.asText());
            });
        });
        return out;
    }

    Optional<Body> object(String field) {
        return get(field).map(v -> {
            if (!(v instanceof ObjectNode o)) {
                throw bad(field, "must be an object");
            }
            return new Body(o);
        });
    }

    static BadRequestException bad(String field, String problem) {
        return new BadRequestException("field '" + field + "' " + problem, Map.of("field", field));
    }
}
