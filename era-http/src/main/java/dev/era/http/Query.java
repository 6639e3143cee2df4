package dev.era.http;

import dev.era.api.BadRequestException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route's query parameters, checked at the edge: an unknown, repeated or malformed parameter is a
 * 400 that names it, so a typo such as {@code ?wiat=30s} does not silently do the wrong thing.
 */
final class Query {
    /** In a route's accepted parameters: any name is accepted (a WebSocket's parameters passed on to an agent). */
    static final String ANY = "*";
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    private final Map<String, String> values;

    private Query(Map<String, String> values) {
        this.values = values;
    }

    static Query of(Map<String, List<String>> raw, Set<String> accepted) {
        Map<String, String> values = new LinkedHashMap<>();
        for (var e : raw.entrySet()) {
            String name = e.getKey();
            if (!accepted.contains(name) && !accepted.contains(ANY)) {
                String known = accepted.isEmpty() ? "this route takes no query parameters"
                        : "this route accepts " + String.join(", ", new TreeSet<>(accepted));
                throw bad(name, "unknown query parameter '" + clip(name) + "'; " + known);
            }
            if (e.getValue().size() != 1) {
                throw bad(name, "query parameter '" + name + "' is given " + e.getValue().size() + " times; give it once");
            }
            values.put(name, e.getValue().getFirst());
        }
        return new Query(values);
    }

    /** Every parameter given, by name. */
    Map<String, String> all() {
        return Map.copyOf(values);
    }

    Optional<String> text(String name) {
        return Optional.ofNullable(values.get(name));
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null || v.isEmpty()) {
            throw bad(name, "query parameter '" + name + "' is required");
        }
        return v;
    }

    long longValue(String name, long dflt, long min, long max) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw bad(name, "query parameter '" + name + "' must be a whole number, not '" + clip(v) + "'");
        }
        if (n < min || n > max) {
            throw bad(name, "query parameter '" + name + "' must be between " + min + " and " + max + ", not " + n);
        }
        return n;
    }

    int intValue(String name, int dflt, int min, int max) {
        return (int) longValue(name, dflt, min, max);
    }

    /** {@code ?follow}, {@code ?follow=true} and {@code ?follow=1} are true; absent is false. */
    boolean flag(String name) {
        String v = values.get(name);
        if (v == null) {
            return false;
        }
        return switch (v) {
            case "", "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw bad(name, "query parameter '" + name + "' must be true or false, not '" + clip(v) + "'");
        };
    }

    /** A duration like {@code 500ms}, {@code 30s}, {@code 2m}; a bare number means seconds. */
    Optional<Duration> duration(String name, Duration max) {
        String v = values.get(name);
        if (v == null) {
            return Optional.empty();
        }
        Duration d = parseDuration(v).orElseThrow(() -> bad(name, "query parameter '" + name
                + "' must be a duration like 500ms, 30s or 2m, not '" + clip(v) + "'"));
        if (d.compareTo(max) > 0) {
            throw bad(name, "query parameter '" + name + "' must be at most " + max.toSeconds() + "s, not " + clip(v));
        }
        return Optional.of(d);
    }

    static Optional<Duration> parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return Optional.of(switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        });
    }

    static BadRequestException bad(String parameter, String message) {
        return new BadRequestException(message, Map.of("parameter", clip(parameter)));
    }

    static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
