package dev.era.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.agent.AgentRef;
import dev.era.agent.TickResult;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.AgentView;
import dev.era.agents.spi.DeadLetter;
import dev.era.api.BadRequestException;
import dev.era.api.NotFoundException;
import dev.era.core.Caller;
import dev.era.core.Deployment;
import dev.era.core.DeploymentService;
import org.eclipse.jetty.http.HttpHeader;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code /agents/...}: a message to an agent answered with its reply after the tick committed, and
 * the admin views (stored state, KV, alarms, dead letters). An agent type belongs to the deployment
 * whose package registered it: a caller reaches it only if it may see that deployment (its tenant's,
 * or any on the Unix socket), and any other caller is told the type does not exist.
 */
final class AgentEndpoints {
    static final List<String> MESSAGE_TYPES = List.of("text/plain", "application/json", "application/octet-stream");
    /** How long a request waits for its tick (retries included) before answering 504. */
    static final long REPLY_TIMEOUT_S = 60;

    private final AgentDirectory directory;
    private final DeploymentService deployments;

    AgentEndpoints(AgentDirectory directory, DeploymentService deployments) {
        this.directory = directory;
        this.deployments = deployments;
    }

    void register(Router r) {
        r.add("GET", "/agents", this::types);
        r.add("GET", "/agents/{type}", this::ids, "after", "limit");
        r.add("GET", "/agents/{type}/{id}", this::agent);
        r.add("POST", "/agents/{type}/{id}/messages", this::message);
        r.add("GET", "/agents/{type}/{id}/kv", this::kv, "prefix", "limit");
        r.add("GET", "/agents/{type}/{id}/alarms", this::alarms);
        r.add("GET", "/agents/{type}/{id}/dead-letters", this::deadLetters, "limit");
        r.add("DELETE", "/agents/{type}/{id}/dead-letters/{seq}", this::discard);
    }

    private void types(Exchange ex) {
        ArrayNode types = Json.array();
        for (AgentDirectory.Served s : directory.all()) {
            visible(ex.caller(), s).ifPresent(d -> types.add(AgentViews.served(s, d.name())));
        }
        ObjectNode o = Json.object();
        o.set("types", types);
        ex.json(200, o);
    }

    private void ids(Exchange ex) {
        AgentDirectory.Served s = served(ex.caller(), ex.param("type"));
        int limit = (int) ex.query().longValue("limit", 100, 1, 1000);
        ArrayNode ids = Json.array();
        s.runtime().admin().ids(s.type(), ex.query().text("after").orElse(""), limit).forEach(ids::add);
        ObjectNode o = Json.object();
        o.put("type", s.type());
        o.put("deployment", s.deployment().value());
        o.set("ids", ids);
        ex.json(200, o);
    }

    private void agent(Exchange ex) {
        AgentDirectory.Served s = served(ex.caller(), ex.param("type"));
        AgentRef ref = ref(s, ex.param("id"));
        AgentView v = s.runtime().admin().agent(ref.type(), ref.id()).orElseThrow(() -> new NotFoundException(
                "the agent " + ref + " has no stored state, alarms or connections yet; send it a message to create it",
                Map.of("type", ref.type(), "id", ref.id())));
        ex.json(200, AgentViews.agent(v));
    }

    private void message(Exchange ex) {
        AgentDirectory.Served s = served(ex.caller(), ex.param("type"));
        AgentRef ref = ref(s, ex.param("id"));
        byte[] body = messageBody(ex);
        TickResult r = await(s.runtime().send(ref.type(), ref.id(), body), ref);
        ex.bytes(r.status(), "text/plain; charset=utf-8", r.body());
    }

    /**
     * The message as the agent gets it: text (checked to be UTF-8), JSON (checked to parse) or,
     * as {@code application/octet-stream}, any bytes. An empty message is refused, as no agent can
     * tell it from a missing one.
     */
    private static byte[] messageBody(Exchange ex) {
        String type = ex.header(HttpHeader.CONTENT_TYPE.asString());
        String mime = type == null ? "text/plain" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        byte[] body;
        if (mime.equals("application/octet-stream")) {
            body = ex.rawBody();
        } else {
            String text = ex.body(MESSAGE_TYPES);
            if (mime.equals("application/json") && !text.isBlank() && AgentViews.parse(text) == null) {
                throw new BadRequestException("the message is declared application/json but is not one JSON value; "
                        + "fix the JSON or send it as text/plain", Map.of("contentType", type));
            }
            body = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (body.length == 0) {
            throw new BadRequestException("the message is empty; send it as the request body (text/plain, "
                    + "application/json or application/octet-stream)");
        }
        return body;
    }

    private void kv(Exchange ex) {
        AgentDirectory.Served s = served(ex.caller(), ex.param("type"));
        AgentRef ref = ref(s, ex.param("id"));
        int limit = (int) ex.query().longValue("limit", 100, 1, 10_000);
        ObjectNode o = Json.object();
        o.set("entries", AgentViews.kv(s.runtime().admin().kv(ref.type(), ref.id(),
                ex.query().text("prefix").orElse(""), limit)));
        ex.json(200, o);
    }

    private void alarms(Exchange ex) {
        AgentDirectory.Served s = served(ex.caller(), ex.param("type"));
        AgentRef ref = ref(s, ex.param("id"));
        ObjectNode o = Json.object();
        o.set("alarms", AgentViews.alarms(s.runtime().admin().alarms(ref.type(), ref.id())));
        ex.json(200, o);
    }

    private void deadLetters(Exchange ex) {
        AgentDirectory.Served s = served(ex.caller(), ex.param("type"));
        AgentRef ref = ref(s, ex.param("id"));
        int limit = (int) ex.query().longValue("limit", 100, 1, 1000);
        ObjectNode o = Json.object();
        o.set("deadLetters", AgentViews.deadLetters(s.runtime().admin().deadLetters(Optional.of(ref), limit)));
        ex.json(200, o);
    }

    private void discard(Exchange ex) {
        AgentDirectory.Served s = served(ex.caller(), ex.param("type"));
        AgentRef ref = ref(s, ex.param("id"));
        long seq;
        try {
            seq = Long.parseLong(ex.param("seq"));
        } catch (NumberFormatException e) {
            throw new BadRequestException("a dead letter's seq is a number, as listed by GET /agents/" + ref
                    + "/dead-letters", Map.of("seq", Query.clip(ex.param("seq"))));
        }
        // seqs are numbered per runtime; only this agent's own dead letters may be discarded through its path
        boolean own = s.runtime().admin().deadLetters(Optional.of(ref), Integer.MAX_VALUE).stream()
                .map(DeadLetter::seq).anyMatch(x -> x == seq);
        if (!own || !s.runtime().admin().discardDeadLetter(seq)) {
            throw new NotFoundException("the agent " + ref + " has no dead letter " + seq + "; GET /agents/" + ref
                    + "/dead-letters lists them", Map.of("seq", seq));
        }
        ex.json(200, Json.object().put("discarded", seq));
    }

    /** The type's deployment, if the caller may see it. */
    private Optional<Deployment> visible(Caller caller, AgentDirectory.Served s) {
        try {
            return Optional.of(deployments.get(caller, s.deployment().value()));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /** The served type, or a 404 that names the types this caller can reach. */
    AgentDirectory.Served served(Caller caller, String type) {
        Optional<AgentDirectory.Served> s = directory.find(type).filter(x -> visible(caller, x).isPresent());
        if (s.isPresent()) {
            return s.get();
        }
        List<String> known = directory.all().stream().filter(x -> visible(caller, x).isPresent())
                .map(AgentDirectory.Served::type).toList();
        String hint = known.isEmpty()
                ? "no agent package is deployed; deploy one with engine: agents (see docs/agents.md)"
                : "the agent types are " + String.join(", ", known);
        throw new HttpError(404, "unknown_agent_type", "there is no agent type '" + Query.clip(type) + "'; " + hint,
                Map.of("type", Query.clip(type), "known", known), Map.of());
    }

    static AgentRef ref(AgentDirectory.Served s, String id) {
        try {
            return AgentRef.of(s.type(), id);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage(), Map.of("id", Query.clip(id)));
        }
    }

    /** Waits for a tick's reply; the runtime's own failures keep their type for the error mapping. */
    static <T> T await(CompletableFuture<T> f, AgentRef ref) {
        try {
            return f.get(REPLY_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new HttpError(504, "agent_timeout", "the agent " + ref + " did not answer within " + REPLY_TIMEOUT_S
                    + " s; its tick may still commit; see GET /agents/" + ref, Map.of(), Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted", "the daemon is stopping; retry against the restarted daemon",
                    Map.of(), Map.of());
        }
    }
}
