package dev.era.compat;

import dev.era.api.BadRequestException;
import dev.era.api.NotFoundException;
import dev.era.core.Caller;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The route table of one compatibility API. Where a literal segment and a {@code {param}} both
 * match ({@code /v1/devboxes/disk_snapshots} and {@code /v1/devboxes/{id}}), the literal wins.
 */
final class Routes {
    @FunctionalInterface
    interface Handler {
        void handle(Call call) throws Exception;
    }

    private record Route(String method, List<String> segments, Handler handler) {
        int literals() {
            return (int) segments.stream().filter(s -> !s.startsWith("{")).count();
        }
    }

    private final List<Route> routes = new ArrayList<>();
    private final String docs;

    /** @param docs where a caller reads what the API offers, named in the 404 of an unknown path */
    Routes(String docs) {
        this.docs = docs;
    }

    Routes add(String method, String template, Handler handler) {
        routes.add(new Route(method, split(template), handler));
        return this;
    }

    void dispatch(Caller caller, Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        List<String> parts = split(path).stream().map(Routes::decode).toList();
        String method = request.getMethod().equals("HEAD") ? "GET" : request.getMethod();
        Route best = null;
        Map<String, String> bestParams = Map.of();
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> params = bind(r.segments(), parts);
            if (params == null) {
                continue;
            }
            if (!r.method().equals(method)) {
                allowed.add(r.method());
                continue;
            }
            if (best == null || r.literals() > best.literals()) {
                best = r;
                bestParams = params;
            }
        }
        if (best == null) {
            if (!allowed.isEmpty()) {
                throw new BadRequestException(path + " does not accept " + method + "; use " + String.join(" or ", allowed),
                        Map.of("allowed", List.copyOf(allowed)));
            }
            throw new NotFoundException("ERA does not serve " + clip(path) + "; " + docs, Map.of("path", clip(path)));
        }
        best.handler().handle(new Call(caller, request, response, callback, bestParams));
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

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("the path segment '" + clip(segment) + "' is not valid %-encoding");
        }
    }

    private static List<String> split(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.equals("/") || p.isEmpty()) {
            return List.of();
        }
        return List.of((p.startsWith("/") ? p.substring(1) : p).split("/", -1));
    }

    static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
