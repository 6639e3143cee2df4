package dev.era.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

        PathTemplate path() {
            return PathTemplate.of(template);
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
        List<String> parts = PathTemplate.parts(path);
        Set<String> allowed = new TreeSet<>();
        String template = null;
        String wanted = method.equals("HEAD") ? "GET" : method;
        for (Route r : routes) {
            Optional<Map<String, String>> params = r.path().bind(parts);
            if (params.isEmpty()) {
                continue;
            }
            if (r.method().equals(wanted)) {
                return new Match.Found(r, params.get());
            }
            allowed.add(r.method());
            if (r.method().equals("GET")) {
                allowed.add("HEAD");
            }
            template = r.template();
        }
        return template == null ? new Match.NoRoute() : new Match.WrongMethod(template, allowed);
    }
}
