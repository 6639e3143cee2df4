package dev.era.http;

import dev.era.api.BadRequestException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A path template such as {@code /deployments/{ref}/status}, matched segment by segment against a
 * request's path. ERA's router and the compatibility APIs' route tables (era-compat) match alike.
 */
public record PathTemplate(String template, List<String> segments) {
    public PathTemplate {
        segments = List.copyOf(segments);
    }

    public static PathTemplate of(String template) {
        return new PathTemplate(template, split(template));
    }

    /** How many segments are literal: where a literal and a {@code {param}} both match, more literals win. */
    public int literals() {
        return (int) segments.stream().filter(s -> !s.startsWith("{")).count();
    }

    /** The parameters when {@code parts} (from {@link #parts}) fit the template; a parameter never binds an empty segment. */
    public Optional<Map<String, String>> bind(List<String> parts) {
        if (segments.size() != parts.size()) {
            return Optional.empty();
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            String t = segments.get(i);
            String p = parts.get(i);
            if (t.startsWith("{")) {
                if (p.isEmpty()) {
                    return Optional.empty();
                }
                params.put(t.substring(1, t.length() - 1), p);
            } else if (!t.equals(p)) {
                return Optional.empty();
            }
        }
        return Optional.of(params);
    }

    /**
     * A request path's decoded segments. Jetty hands over the path still percent-encoded (so that an
     * encoded '/' cannot split a segment); each segment is decoded here. '+' is a plain character in a path.
     *
     * @throws BadRequestException when a segment is not valid %-encoding
     */
    public static List<String> parts(String path) {
        return split(path).stream().map(PathTemplate::decode).toList();
    }

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("the path segment '" + Query.clip(segment) + "' is not valid %-encoding",
                    Map.of("segment", Query.clip(segment)));
        }
    }

    /** "/a/b/" and "/a/b" are the same path; "//" keeps its empty segment so that it matches nothing. */
    private static List<String> split(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.equals("/") || p.isEmpty()) {
            return List.of();
        }
        return List.of((p.startsWith("/") ? p.substring(1) : p).split("/", -1));
    }
}
