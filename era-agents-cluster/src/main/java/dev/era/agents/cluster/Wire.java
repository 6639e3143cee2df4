package dev.era.agents.cluster;

import dev.era.agent.AgentRef;
import dev.era.agent.Trigger;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The node-to-node protocol, plain HTTP/1.1 on the nodes' listen addresses:
 * <pre>
 * POST /era/v1/agents/{type}/{id}/message   body: the message
 * POST /era/v1/agents/{type}/{id}/request   X-Era-Method, X-Era-Path, X-Era-H-{name}: the request; body: its body
 * GET  /era/v1/node                         this node's id, owned partitions and live members (text)
 * </pre>
 * A reply is HTTP 200 with the tick's status in {@code X-Era-Tick-Status} and its body; a failure
 * has the exception's HTTP status, its code in {@code X-Era-Error} and its message as body. A call
 * with {@code X-Era-Forwarded: 1} came from a peer and is served locally or refused
 * ({@code agent_not_owned}), never forwarded again, so routes cannot loop.
 */
final class Wire {
    static final String PREFIX = "/era/v1/agents/";
    static final String FORWARDED = "X-Era-Forwarded";
    static final String TICK_STATUS = "X-Era-Tick-Status";
    static final String ERROR = "X-Era-Error";
    static final String NODE = "X-Era-Node";
    static final String METHOD = "X-Era-Method";
    static final String PATH = "X-Era-Path";
    static final String HEADER = "X-Era-H-";

    private Wire() {
    }

    static String path(AgentRef agent, Trigger trigger) {
        return PREFIX + enc(agent.type()) + "/" + enc(agent.id()) + (trigger instanceof Trigger.Request ? "/request" : "/message");
    }

    /** {@code [type, id, kind]} of a request path, or null when it is not an agent path. */
    static String[] parse(String rawPath) {
        if (!rawPath.startsWith(PREFIX)) {
            return null;
        }
        String[] parts = rawPath.substring(PREFIX.length()).split("/", -1);
        if (parts.length != 3) {
            return null;
        }
        return new String[] {dec(parts[0]), dec(parts[1]), parts[2]};
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
