package dev.era.http;

import dev.era.core.Caller;
import dev.era.core.ExecRequest;
import dev.era.core.Interactive;
import dev.era.core.SandboxService;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /sandboxes/{id}/ws}: an interactive command (a PTY with {@code tty=true}) over a
 * WebSocket; see {@link ChannelSocket} for the framing. The command is started before the upgrade,
 * so that an unknown sandbox or a bad parameter is an ordinary JSON error.
 */
final class SocketEndpoints {
    /** Offered by clients and accepted by the server; browsers need an accepted protocol when they offer any. */
    static final String PROTOCOL = "era.channel.v1";
    /** A browser cannot set headers on a WebSocket; it may offer {@code era.key.<API key>} as a protocol instead. */
    static final String KEY_PROTOCOL = "era.key.";
    static final String DEFAULT_SHELL = "/bin/bash";

    private final SandboxService sandboxes;
    private final ServerWebSocketContainer container;
    private final Duration heartbeat;

    SocketEndpoints(SandboxService sandboxes, ServerWebSocketContainer container, Duration heartbeat) {
        this.sandboxes = sandboxes;
        this.container = container;
        this.heartbeat = heartbeat;
    }

    void register(Router r) {
        r.add("GET", "/sandboxes/{id}/ws", this::attach, "command", "tty", "rows", "cols", "shell", "workingDir",
                ApiHandler.KEY_PARAMETER);
    }

    private void attach(Exchange ex) {
        if (!isUpgrade(ex)) {
            throw new HttpError(426, "upgrade_required", "GET /sandboxes/{id}/ws is a WebSocket: send 'Connection: "
                    + "Upgrade', 'Upgrade: websocket' and 'Sec-WebSocket-Version: 13' (or use POST /sandboxes/{id}/exec"
                    + " and the SSE stream of /executions)", Map.of(), Map.of("Upgrade", "websocket"));
        }
        Query q = ex.query();
        boolean tty = q.flag("tty");
        String command = q.text("command").filter(c -> !c.isBlank()).orElse("");
        ExecRequest request = new ExecRequest(command.isEmpty() ? List.of(DEFAULT_SHELL, "-l") : List.of(command),
                q.text("shell").orElse(""), Map.of(), q.text("workingDir").orElse(""), Duration.ZERO,
                ExecRequest.DEFAULT_MAX_OUTPUT, tty, q.intValue("rows", 24, 1, 0xffff), q.intValue("cols", 80, 1, 0xffff));
        Caller caller = ex.caller();
        String id = ex.param("id");
        Interactive session = sandboxes.interactive(caller, id, request);
        ChannelSocket socket = new ChannelSocket(session, heartbeat, () -> sandboxes.keepAlive(caller, id));
        boolean upgraded;
        try {
            upgraded = container.upgrade((rq, rs, cb) -> {
                if (rq.getSubProtocols().contains(PROTOCOL)) {
                    rs.setAcceptedSubProtocol(PROTOCOL);
                }
                return socket;
            }, ex.request(), ex.response(), ex.callback());
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        if (!upgraded) {
            session.close();
            throw new HttpError(400, "bad_request", "the WebSocket handshake was not valid (check Sec-WebSocket-Key)",
                    Map.of(), Map.of());
        }
    }

    static boolean isUpgrade(Exchange ex) {
        String upgrade = ex.header(HttpHeader.UPGRADE.asString());
        String version = ex.header(HttpHeader.SEC_WEBSOCKET_VERSION.asString());
        return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket") && "13".equals(version)
                && ex.header(HttpHeader.SEC_WEBSOCKET_KEY.asString()) != null;
    }
}
