package dev.era.compat;

import dev.era.api.BadRequestException;
import dev.era.api.NotFoundException;
import dev.era.core.Caller;
import dev.era.http.PathTemplate;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    private record Route(String method, PathTemplate path, Handler handler) {}

    private final List<Route> routes = new ArrayList<>();
    private final String docs;

    /** @param docs where a caller reads what the API offers, named in the 404 of an unknown path */
    Routes(String docs) {
        this.docs = docs;
    }

    Routes add(String method, String template, Handler handler) {
        routes.add(new Route(method, PathTemplate.of(template), handler));
        return this;
    }

    void dispatch(Caller caller, Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        List<String> parts = PathTemplate.parts(path);
        String method = request.getMethod().equals("HEAD") ? "GET" : request.getMethod();
        Route best = null;
        Map<String, String> bestParams = Map.of();
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Optional<Map<String, String>> params = r.path().bind(parts);
            if (params.isEmpty()) {
                continue;
            }
            if (!r.method().equals(method)) {
                allowed.add(r.method());
                continue;
            }
            if (best == null || r.path().literals() > best.path().literals()) {
                best = r;
                bestParams = params.get();
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

    static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
