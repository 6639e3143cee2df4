package dev.era.http;

import dev.era.agent.AgentRef;
import dev.era.agents.AgentSocket;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /agents/{type}/{id}/connect}: a WebSocket to an agent (see {@link AgentConnection}).
 * The agent's Connect tick runs before the upgrade, so an unknown type, a bad id or a refusal by
 * the agent (its Connect tick answered 400 or more) is an ordinary JSON error with that status.
 * The query parameters, except {@code api_key}, are the Connect trigger's parameters.
 */
final class AgentSocketEndpoints {
    private final AgentEndpoints agents;
    private final ServerWebSocketContainer container;
    private final Duration heartbeat;

    AgentSocketEndpoints(AgentEndpoints agents, ServerWebSocketContainer container, Duration heartbeat) {
        this.agents = agents;
        this.container = container;
        this.heartbeat = heartbeat;
    }

    void register(Router r) {
        r.add("GET", "/agents/{type}/{id}/connect", this::connect, Query.ANY, ApiHandler.KEY_PARAMETER);
    }

    private void connect(Exchange ex) {
        AgentDirectory.Served served = agents.served(ex.caller(), ex.param("type"));
        AgentRef ref = AgentEndpoints.ref(served, ex.param("id"));
        if (!SocketEndpoints.isUpgrade(ex)) {
            throw new HttpError(426, "upgrade_required", "GET /agents/{type}/{id}/connect is a WebSocket: send "
                    + "'Connection: Upgrade', 'Upgrade: websocket' and 'Sec-WebSocket-Version: 13' (or POST "
                    + "/agents/{type}/{id}/messages for one message and its reply)", Map.of(),
                    Map.of("Upgrade", "websocket"));
        }
        Map<String, String> params = new LinkedHashMap<>(ex.query().all());
        params.remove(ApiHandler.KEY_PARAMETER);
        AgentConnection connection = new AgentConnection(ref, heartbeat);
        AgentSocket socket = AgentEndpoints.await(served.runtime().connect(ref.type(), ref.id(), params, connection), ref);
        connection.accepted(socket);
        boolean upgraded;
        try {
            upgraded = container.upgrade((rq, rs, cb) -> {
                if (rq.getSubProtocols().contains(SocketEndpoints.PROTOCOL)) {
                    rs.setAcceptedSubProtocol(SocketEndpoints.PROTOCOL);
                }
                return connection;
            }, ex.request(), ex.response(), ex.callback());
        } catch (RuntimeException e) {
            socket.close(1011, "the WebSocket upgrade failed");
            throw e;
        }
        if (!upgraded) {
            socket.close(1002, "the WebSocket handshake was not valid");
            throw new HttpError(400, "bad_request", "the WebSocket handshake was not valid (check Sec-WebSocket-Key)",
                    Map.of(), Map.of());
        }
    }
}
