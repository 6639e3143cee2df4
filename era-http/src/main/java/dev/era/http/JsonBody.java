package dev.era.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.era.api.BadRequestException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JSON request object read field by field at the edge: an unknown field, a wrong type or a bad
 * value is a 400 whose {@code details.field} names the field (with its path, such as
 * {@code resources.memory}), so a typo never silently does the wrong thing.
 */
final class JsonBody {
    static final List<String> TYPES = List.of("application/json");
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})(Ki|Mi|Gi|Ti|K|M|G|T)?");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    private final String prefix;
    private final JsonNode node;
    private final Set<String> known;

    private JsonBody(String prefix, JsonNode node, Set<String> known) {
        this.prefix = prefix;
        this.node = node;
        this.known = Set.copyOf(known);
        checkFields();
    }

    /** Reads the exchange's body as one JSON object with only {@code known} fields; an empty body is {@code {}}. */
    static JsonBody read(Exchange ex, Set<String> known) {
        return parse(ex.body(TYPES), known);
    }

    static JsonBody parse(String text, Set<String> known) {
        if (text.isBlank()) {
            return new JsonBody("", Json.object(), known);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new BadRequestException("the request body is not valid JSON" + where + ": "
                    + Query.clip(e.getOriginalMessage()), Map.of("field", ""));
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException("the request body must be a JSON object like {\"name\": ...}",
                    Map.of("field", ""));
        }
        return new JsonBody("", root, known);
    }

    private void checkFields() {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw bad(f, "is not a field here; the fields are " + String.join(", ", new TreeSet<>(known)));
            }
        }
    }

    boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    String text(String field, String dflt) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw bad(field, "must be a string, not " + kind(v));
        }
        return v.asText();
    }

    boolean bool(String field, boolean dflt) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw bad(field, "must be true or false, not " + kind(v));
        }
        return v.asBoolean();
    }

    long wholeNumber(String field, long dflt, long min, long max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw bad(field, "must be a whole number, not " + kind(v));
        }
        long n = v.asLong();
        if (n < min || n > max) {
            throw bad(field, "must be between " + min + " and " + max + ", not " + n);
        }
        return n;
    }

    double number(String field, double dflt, double min, double max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        double d;
        if (v.isNumber()) {
            d = v.asDouble();
        } else if (v.isTextual()) {
            try {
                d = Double.parseDouble(v.asText().trim());
            } catch (NumberFormatException e) {
                throw bad(field, "must be a number like 0.5 or 2, not '" + Query.clip(v.asText()) + "'");
            }
        } else {
            throw bad(field, "must be a number, not " + kind(v));
        }
        if (!(d >= min && d <= max)) {
            throw bad(field, "must be between " + fmt(min) + " and " + fmt(max) + ", not " + Query.clip(v.asText()));
        }
        return d;
    }

    /** A byte size: a whole number of bytes or a string like {@code 512Mi}, {@code 1Gi}, {@code 500M}. */
    long size(String field, long max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        long bytes;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            bytes = v.asLong();
        } else if (v.isTextual()) {
            Matcher m = SIZE.matcher(v.asText().trim());
            if (!m.matches()) {
                throw bad(field, "'" + Query.clip(v.asText()) + "' is not a size; write it like 512Mi, 1Gi or 500M");
            }
            long unit = switch (m.group(2) == null ? "" : m.group(2)) {
                case "Ki" -> 1L << 10;
                case "Mi" -> 1L << 20;
                case "Gi" -> 1L << 30;
                case "Ti" -> 1L << 40;
                case "K" -> 1_000L;
                case "M" -> 1_000_000L;
                case "G" -> 1_000_000_000L;
                case "T" -> 1_000_000_000_000L;
                default -> 1L;
            };
            long n = Long.parseLong(m.group(1));
            bytes = n > max / unit ? Long.MAX_VALUE : n * unit;
        } else {
            throw bad(field, "must be a size like 512Mi, not " + kind(v));
        }
        if (bytes < 0 || bytes > max) {
            throw bad(field, "must be between 0 and " + max + " bytes, not " + Query.clip(v.asText()));
        }
        return bytes;
    }

    /** A duration: a string like {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, or a whole number of seconds. */
    Duration duration(String field, Duration max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Duration.ZERO;
        }
        Duration d;
        if (v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0 && v.asLong() <= max.toSeconds()) {
            d = Duration.ofSeconds(v.asLong());
        } else if (v.isTextual() && DURATION.matcher(v.asText().trim()).matches()) {
            d = Query.parseDuration(v.asText()).orElseThrow();
        } else {
            throw bad(field, "must be a duration like 500ms, 30s or 10m, not " + (v.isTextual()
                    ? "'" + Query.clip(v.asText()) + "'" : kind(v) + " " + Query.clip(v.toString())));
        }
        if (d.compareTo(max) > 0) {
            throw bad(field, "must be at most " + max.toSeconds() + "s, not " + Query.clip(v.asText()));
        }
        return d;
    }

    /** A map of strings, such as {@code env} or {@code labels}. */
    Map<String, String> strings(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw bad(field, "must be an object of strings like {\"KEY\": \"value\"}, not " + kind(v));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw bad(field + "." + e.getKey(), "must be a string, not " + kind(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /**
     * A command: a string (run by the sandbox's shell) or an array of strings (argv).
     * An empty result means none was given.
     */
    List<String> command(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isTextual()) {
            if (v.asText().isBlank()) {
                throw bad(field, "must not be empty");
            }
            return List.of(v.asText());
        }
        if (!v.isArray()) {
            throw bad(field, "must be a string like \"ls -l\" or an array like [\"ls\", \"-l\"], not " + kind(v));
        }
        if (v.isEmpty()) {
            throw bad(field, "must not be an empty array");
        }
        List<String> argv = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw bad(field + "[" + i + "]", "must be a string, not " + kind(v.get(i)));
            }
            argv.add(v.get(i).asText());
        }
        return argv;
    }

    /** A nested object, read with the same checks; absent reads as empty. */
    Optional<JsonBody> object(String field, Set<String> fields) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            throw bad(field, "must be an object, not " + kind(v));
        }
        return Optional.of(new JsonBody(path(field) + ".", v, fields));
    }

    private String path(String field) {
        return prefix + field;
    }

    BadRequestException bad(String field, String message) {
        String f = Query.clip(path(field));
        return new BadRequestException("field '" + f + "' " + message, Map.of("field", f));
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> "null";
        };
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
