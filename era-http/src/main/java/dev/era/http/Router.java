package dev.era.http;

import dev.era.api.BadRequestException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The route table: method plus a path template such as {@code /deployments/{ref}/status}. The
 * template (not the raw path) labels metrics, so random paths cannot blow up their cardinality.
 */
final class Router {
    /** What a route runs; it must complete the exchange or throw. */
    @FunctionalInterface
    interface Endpoint {
        void handle(Exchange exchange) throws Exception;
    }

    /**
     * @param open        true when the route needs no API key on TCP
     * @param queryParams the query parameters the route accepts; any other is a 400
     */
    record Route(String method, String template, boolean open, Set<String> queryParams, Endpoint endpoint) {
        Route {
            queryParams = Set.copyOf(queryParams);
        }

        List<String> segments() {
            return split(template);
        }
    }

    sealed interface Match {
        record Found(Route route, Map<String, String> params) implements Match {}

        record WrongMethod(String template, Set<String> allowed) implements Match {}

        record NoRoute() implements Match {}
    }

    private final List<Route> routes = new ArrayList<>();

    Router add(String method, String template, Endpoint endpoint, String... queryParams) {
        routes.add(new Route(method, template, false, Set.of(queryParams), endpoint));
        return this;
    }

    Router addOpen(String method, String template, Endpoint endpoint) {
        routes.add(new Route(method, template, true, Set.of(), endpoint));
        return this;
    }

    List<Route> routes() {
        return List.copyOf(routes);
    }

    /** HEAD is answered by the GET route (Jetty sends no body for HEAD). */
    Match match(String method, String path) {
        List<String> parts = split(path).stream().map(Router::decode).toList();
        Set<String> allowed = new TreeSet<>();
        String template = null;
        String wanted = method.equals("HEAD") ? "GET" : method;
        for (Route r : routes) {
            Map<String, String> params = bind(r.segments(), parts);
            if (params == null) {
                continue;
            }
            if (r.method().equals(wanted)) {
                return new Match.Found(r, params);
            }
            allowed.add(r.method());
            if (r.method().equals("GET")) {
                allowed.add("HEAD");
            }
            template = r.template();
        }
        return template == null ? new Match.NoRoute() : new Match.WrongMethod(template, allowed);
    }

    private static Map<String, String> bind(List<String> template, List<String> parts) {
        if (template.size() != parts.size()) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            String p = parts.get(i);
            if (t.startsWith("{")) {
                if (p.isEmpty()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 1), p);
            } else if (!t.equals(p)) {
                return null;
            }
        }
        return params;
    }

    /**
     * Jetty hands over the path still percent-encoded (so that an encoded '/' cannot split a
     * segment); each segment is decoded here. '+' is a plain character in a path.
     */
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
