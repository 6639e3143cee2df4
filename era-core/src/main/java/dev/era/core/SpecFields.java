package dev.era.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.api.InvalidSpecException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** A JSON object of a spec being read, with its path (like {@code resources.memory}) for error messages. */
final class SpecFields {
    private final String prefix;
    final JsonNode node;

SpecFields(String prefix, JsonNode node) {
        this.prefix = prefix;
        if (!node.isObject()) {
            throw new InvalidSpecException(prefix.isEmpty() ? "(document)" : prefix,
                    "must be a mapping of fields, not " + kind(node));
        }
        this.node = node;
    }

    String path(String field) {
        return prefix.isEmpty() ? field : field.isEmpty() ? prefix : prefix + "." + field;
    }

    boolean has(String field) {
        JsonNode n = node.get(field);
        return n != null && !n.isNull();
    }

    void onlyKnown(Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new InvalidSpecException(path(f), "unknown field; known fields here are "
                        + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    String requiredText(String field) {
        if (!has(field)) {
            throw new InvalidSpecException(path(field), "is required");
        }
        return text(field, "");
    }

    String text(String field, String dflt) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isTextual()) {
            throw new InvalidSpecException(path(field), "must be a string, not " + kind(n));
        }
        String s = n.textValue();
        if (s.indexOf('\0') >= 0) {
            throw new InvalidSpecException(path(field), "must not contain NUL characters");
        }
        if (s.length() > 4096) {
            throw new InvalidSpecException(path(field), "is " + s.length() + " characters; the limit is 4096");
        }
        return s;
    }

    List<String> strings(String field, int max) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new InvalidSpecException(path(field), "must be a list of strings, like [\"python3\", \"app.py\"]");
        }
        if (n.size() > max) {
            throw new InvalidSpecException(path(field), "has " + n.size() + " entries; the limit is " + max);
        }
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual() && !e.isNumber()) {
                throw new InvalidSpecException(path(field) + "[" + i + "]", "must be a string, not " + kind(e));
            }
            String s = e.asText();
            if (s.indexOf('\0') >= 0 || s.length() > 65536) {
                throw new InvalidSpecException(path(field) + "[" + i + "]",
                        "must be at most 65536 characters and contain no NUL");
            }
            out.add(s);
        }
        return out;
    }

    Map<String, String> env(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw new InvalidSpecException(path(field), "must be a mapping of NAME: value");
        }
        if (n.size() > 1024) {
            throw new InvalidSpecException(path(field), "has " + n.size() + " variables; the limit is 1024");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!SpecCodec.ENV_NAME.matcher(e.getKey()).matches()) {
                throw new InvalidSpecException(path(field) + "." + SpecCodec.clip(e.getKey()),
                        "is not a variable name; use letters, digits and '_', not starting with a digit");
            }
            JsonNode v = e.getValue();
            if (!v.isValueNode() || v.isNull()) {
                throw new InvalidSpecException(path(field) + "." + e.getKey(), "must be a string, not " + kind(v));
            }
            String s = v.asText();
            if (s.indexOf('\0') >= 0 || s.length() > 32768) {
                throw new InvalidSpecException(path(field) + "." + e.getKey(),
                        "must be at most 32768 characters and contain no NUL");
            }
            out.put(e.getKey(), s);
        }
        return out;
    }

    SpecFields object(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        return new SpecFields(path(field), n);
    }

    double number(String field, double dflt, double min, double max) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        double v;
        if (n.isNumber()) {
            v = n.doubleValue();
        } else if (n.isTextual()) {
            try {
                v = Double.parseDouble(n.textValue().trim());
            } catch (NumberFormatException e) {
                throw new InvalidSpecException(path(field), "'" + SpecCodec.clip(n.textValue()) + "' is not a number");
            }
        } else {
            throw new InvalidSpecException(path(field), "must be a number, not " + kind(n));
        }
        if (Double.isNaN(v) || v < min || v > max) {
            throw new InvalidSpecException(path(field), "is " + n.asText() + "; it must be between "
                    + fmt(min) + " and " + fmt(max));
        }
        if (max > 1024 && v != Math.rint(v)) {
            throw new InvalidSpecException(path(field), "must be a whole number");
        }
        return v;
    }

    long size(String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return 0;
        }
        if (n.isIntegralNumber()) {
            if (n.longValue() < 0) {
                throw new InvalidSpecException(path(field), "must not be negative");
            }
            return n.longValue();
        }
        if (!n.isTextual()) {
            throw new InvalidSpecException(path(field), "must be a size like 256Mi, not " + kind(n));
        }
        if (n.textValue().trim().startsWith("-")) {
            throw new InvalidSpecException(path(field), "must not be negative");
        }
        return SpecCodec.parseSize(path(field), n.textValue());
    }

    Duration duration(String field, Duration dflt, Duration max) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isTextual()) {
            throw new InvalidSpecException(path(field), "must be a duration like 500ms or 2s, not " + kind(n));
        }
        Duration d = SpecCodec.parseDuration(path(field), n.textValue());
        if (d.compareTo(max) > 0) {
            throw new InvalidSpecException(path(field), "is longer than the limit of " + SpecCodec.duration(max));
        }
        return d;
    }

    boolean bool(String field, boolean dflt) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new InvalidSpecException(path(field), "must be true or false, not " + kind(n));
        }
        return n.booleanValue();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String kind(JsonNode n) {
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isNumber()) {
            return "a number";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        return "null";
    }
}
