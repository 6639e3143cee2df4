package dev.era.http;

import dev.era.api.BadRequestException;
import dev.era.api.ImageCache;
import dev.era.api.NotFoundException;
import dev.era.api.UnauthorizedException;
import dev.era.core.Authenticator;
import dev.era.core.Caller;
import dev.era.core.DeploymentService;
import dev.era.core.SandboxService;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every request passes here: route lookup, authentication by transport, the endpoint, and — for
 * anything thrown — the single error mapping of {@link ApiError}.
 */
final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** The query parameter that may carry the API key on routes a browser opens without headers (WebSocket). */
    static final String KEY_PARAMETER = "api_key";
    /** Open routes need no caller; this one can see nothing. */
    private static final Caller ANONYMOUS = Caller.tenant("-");

    private final Authenticator auth;
    private final Metrics metrics;
    private final Router router = new Router();
    private final List<RouteModule> modules;

    ApiHandler(DeploymentService deployments, Authenticator auth, Metrics metrics, OpenStreams streams,
               Duration heartbeat) {
        this(deployments, Optional.empty(), List.of(), auth, metrics, streams, heartbeat);
    }

    ApiHandler(DeploymentService deployments, Optional<Sandboxes> sandboxes, Authenticator auth, Metrics metrics,
               OpenStreams streams, Duration heartbeat) {
        this(deployments, sandboxes, List.of(), auth, metrics, streams, heartbeat);
    }

    /**
     * @param sandboxes with a WebSocket container for the interactive route; empty serves no /sandboxes routes
     * @param modules   served under their prefixes, before ERA's own routes are looked at
     */
    ApiHandler(DeploymentService deployments, Optional<Sandboxes> sandboxes, List<RouteModule> modules,
               Authenticator auth, Metrics metrics, OpenStreams streams, Duration heartbeat) {
        this(deployments, sandboxes, modules, Optional.empty(), auth, metrics, streams, heartbeat);
    }

    /** @param images the image cache {@code /images} serves; empty answers those routes with a 404 that says why */
    ApiHandler(DeploymentService deployments, Optional<Sandboxes> sandboxes, List<RouteModule> modules,
               Optional<ImageCache> images, Authenticator auth, Metrics metrics, OpenStreams streams, Duration heartbeat) {
        this(deployments, sandboxes, modules, images, Optional.empty(), auth, metrics, streams, heartbeat);
    }

    /** @param agents the agent types deployed as engine: agents, with the container their WebSockets are upgraded by */
    ApiHandler(DeploymentService deployments, Optional<Sandboxes> sandboxes, Optional<Agents> agents,
               List<RouteModule> modules, Authenticator auth, Metrics metrics, OpenStreams streams, Duration heartbeat) {
        this(deployments, sandboxes, modules, Optional.empty(), agents, auth, metrics, streams, heartbeat);
    }

    ApiHandler(DeploymentService deployments, Optional<Sandboxes> sandboxes, List<RouteModule> modules,
               Optional<ImageCache> images, Optional<Agents> agents, Authenticator auth, Metrics metrics,
               OpenStreams streams, Duration heartbeat) {
        this.auth = auth;
        this.metrics = metrics;
        this.modules = List.copyOf(modules);
        new SystemEndpoints(deployments, metrics).register(router);
        new DeploymentEndpoints(deployments).register(router);
        new StreamEndpoints(deployments, streams, heartbeat).register(router);
        sandboxes.ifPresent(s -> {
            new SandboxEndpoints(s.service()).register(router);
            new ExecEndpoints(s.service(), new SsePump(streams, heartbeat)).register(router);
            new FileEndpoints(s.service()).register(router);
            new SocketEndpoints(s.service(), s.sockets(), heartbeat).register(router);
        });
        new ImageEndpoints(images).register(router);
        agents.ifPresent(a -> {
            AgentEndpoints endpoints = new AgentEndpoints(a.directory(), deployments);
            endpoints.register(router);
            new AgentSocketEndpoints(endpoints, a.sockets(), heartbeat).register(router);
        });
        new AdminEndpoints(auth).register(router);
    }

    /** The agent types being served and the WebSocket container their connections are upgraded by. */
    record Agents(AgentDirectory directory, ServerWebSocketContainer sockets) {}

    /** The sandbox service and the WebSocket container its interactive sessions are upgraded by. */
    record Sandboxes(SandboxService service, ServerWebSocketContainer sockets) {}

    Router router() {
        return router;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long started = System.nanoTime();
        String method = request.getMethod();
        String path = pathOf(request);
        Optional<RouteModule> module = moduleFor(path);
        if (module.isPresent()) {
            return handleModule(module.get(), request, response, callback, started, method, path);
        }
        Router.Match match = router.match(method, path);
        String label = match instanceof Router.Match.Found f ? f.route().template() : "unmatched";
        Request.addCompletionListener(request, failure ->
                metrics.record(label, method, response.getStatus(), System.nanoTime() - started));
        try {
            switch (match) {
                case Router.Match.NoRoute n -> throw new NotFoundException("there is no " + Query.clip(path)
                        + "; GET /openapi.json lists the API", Map.of("path", Query.clip(path)));
                case Router.Match.WrongMethod w -> throw HttpError.methodNotAllowed(method, w.template(), w.allowed());
                case Router.Match.Found f -> {
                    Query query = Query.of(queryParameters(request), f.route().queryParams());
                    Caller caller = f.route().open() ? ANONYMOUS : authenticate(request, f.route(), query);
                    f.route().endpoint().handle(new Exchange(request, response, callback, caller, f.params(), query));
                }
            }
        } catch (Throwable t) {
            fail(request, response, callback, t, method, path);
        }
        return true;
    }

    private Optional<RouteModule> moduleFor(String path) {
        for (RouteModule m : modules) {
            String p = m.prefix();
            if (path.equals(p) || path.startsWith(p.endsWith("/") ? p : p + "/")) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** A module's request: labelled by its prefix in metrics, as it has its own routing. */
    private boolean handleModule(RouteModule module, Request request, Response response, Callback callback,
                                 long started, String method, String path) {
        String label = module.prefix() + "/*";
        Request.addCompletionListener(request, failure ->
                metrics.record(label, method, response.getStatus(), System.nanoTime() - started));
        try {
            module.handle(authenticate(request, false, Query.of(Map.of(), Set.of())), request, response,
                    callback);
        } catch (Throwable t) {
            fail(request, response, callback, t, method, path);
        }
        return true;
    }

    private Caller authenticate(Request request, Router.Route route, Query query) {
        return authenticate(request, route.queryParams().contains(KEY_PARAMETER), query);
    }

    private Caller authenticate(Request request, boolean keyInQuery, Query query) {
        Connector connector = request.getConnectionMetaData().getConnector();
        if (EraServer.UNIX.equals(connector.getName())) {
            // The socket's 0600 mode already admitted the caller.
            return Caller.ADMIN;
        }
        String key = presentedKey(request.getHeaders());
        if (key.isEmpty() && keyInQuery) {
            // Browsers cannot set headers on a WebSocket: the key may come as a query parameter or protocol.
            key = query.text(KEY_PARAMETER).or(() -> protocolKey(request.getHeaders())).orElse("").trim();
        }
        if (key.isEmpty()) {
            throw new UnauthorizedException("this request needs an API key; " + ApiError.KEY_HINT);
        }
        try {
            return auth.authenticate(key);
        } catch (UnauthorizedException e) {
            throw new UnauthorizedException("the API key was not accepted (" + e.getMessage() + "); "
                    + ApiError.KEY_HINT, e.details(), e);
        }
    }

    private static String presentedKey(HttpFields headers) {
        String authorization = headers.get(HttpHeader.AUTHORIZATION);
        if (authorization != null && !authorization.isBlank()) {
            String a = authorization.trim();
            if (a.length() < 7 || !a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
                throw new UnauthorizedException("the Authorization header must use the Bearer scheme; "
                        + ApiError.KEY_HINT);
            }
            return a.substring(7).trim();
        }
        String key = headers.get("X-API-Key");
        return key == null ? "" : key.trim();
    }

    private static Optional<String> protocolKey(HttpFields headers) {
        for (String offered : headers.getCSV(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, false)) {
            if (offered.startsWith(SocketEndpoints.KEY_PROTOCOL)) {
                return Optional.of(offered.substring(SocketEndpoints.KEY_PROTOCOL.length()));
            }
        }
        return Optional.empty();
    }

    private static Map<String, List<String>> queryParameters(Request request) {
        Fields fields;
        try {
            fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new BadRequestException("the query string is not valid URL encoding (UTF-8, with %XX escapes)");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : fields.getNames()) {
            out.put(name, fields.getValues(name));
        }
        return out;
    }

    private static String pathOf(Request request) {
        String p = Request.getPathInContext(request);
        return p == null ? "" : p;
    }

    private static void fail(Request request, Response response, Callback callback, Throwable t, String method,
                             String path) {
        if (response.isCommitted()) {
            // A stream that already answered 200 cannot change its status; the client just sees it end.
            LOG.debug("{} {} ended: {}", method, path, t.toString());
            callback.failed(t);
            return;
        }
        ApiError error = ApiError.of(t, method, path);
        response.reset();
        response.setStatus(error.status());
        error.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        byte[] body = Json.bytes(Views.error(error));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
