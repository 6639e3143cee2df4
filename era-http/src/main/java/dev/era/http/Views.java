package dev.era.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.AppStatus;
import dev.era.core.Deployment;
import dev.era.core.DeploymentStatus;
import dev.era.core.Event;
import dev.era.core.PluginInfo;
import dev.era.core.SpecCodec;
import dev.era.core.SpecVersion;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON wire shapes, defined once. openapi.json documents the same shapes; ViewsTest pins them.
 */
final class Views {
    private Views() {
    }

    static ObjectNode deployment(Deployment d) {
        ObjectNode o = Json.object();
        o.put("id", d.id().value());
        o.put("name", d.name());
        o.put("tenant", d.tenant());
        o.put("engine", d.spec().engine());
        o.put("version", d.version());
        o.put("state", d.state().name());
        o.put("health", d.health().name());
        o.put("pid", d.pid());
        o.put("restarts", d.restarts());
        if (d.lastExitCode() == -1) {
            o.putNull("lastExitCode");
        } else {
            o.put("lastExitCode", d.lastExitCode());
        }
        o.put("message", d.message());
        o.put("createdAt", time(d.createdAt()));
        o.put("updatedAt", time(d.updatedAt()));
        if (d.port() > 0) {
            o.put("versionPort", d.port());
        }
        if (d.rollout().active()) {
            o.putObject("rollout").put("version", d.rollout().version()).put("pid", d.rollout().pid())
                    .put("reason", d.rollout().reason());
        }
        o.set("spec", SpecCodec.toTree(d.spec()));
        return o;
    }

    /** A deployment's stored versions, oldest first, with the one that runs marked. */
    static ObjectNode versions(Deployment d, List<SpecVersion> all) {
        ObjectNode o = Json.object();
        o.put("id", d.id().value());
        o.put("name", d.name());
        o.put("current", d.version());
        ArrayNode a = o.putArray("versions");
        for (SpecVersion v : all) {
            ObjectNode x = a.addObject();
            x.put("version", v.version());
            x.put("current", v.version() == d.version());
            x.put("createdAt", time(v.createdAt()));
            x.set("spec", SpecCodec.toTree(v.spec()));
        }
        return o;
    }

    static ObjectNode deployments(List<Deployment> all) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("deployments");
        all.forEach(d -> a.add(deployment(d)));
        return o;
    }

    /** A deployment plus what its engine observes now and the end of its log. */
    static ObjectNode status(DeploymentStatus s) {
        ObjectNode o = deployment(s.deployment());
        o.set("observed", observed(s.observed()));
        ArrayNode tail = o.putArray("logTail");
        s.logTail().forEach(tail::add);
        ArrayNode drift = o.putArray("drift");
        s.drift().forEach(x -> drift.addObject().put("kind", x.kind()).put("what", x.what()).put("at", time(x.at())));
        return o;
    }

    static ObjectNode observed(AppStatus status) {
        ObjectNode o = Json.object();
        switch (status) {
            case AppStatus.Running r -> {
                o.put("state", "running");
                o.put("pid", r.pid());
                o.put("startedAt", time(r.startedAt()));
            }
            case AppStatus.Exited x -> {
                o.put("state", "exited");
                o.put("exitCode", x.exitCode());
                o.put("reason", x.reason());
                o.put("at", time(x.at()));
            }
            case AppStatus.Gone g -> {
                o.put("state", "gone");
                o.put("reason", g.reason());
            }
        }
        return o;
    }

    static ObjectNode event(Event e) {
        ObjectNode o = Json.object();
        o.put("seq", e.seq());
        o.put("at", time(e.at()));
        o.put("tenant", e.tenant());
        optional(o, "deployment", e.deployment());
        optional(o, "name", e.name());
        o.put("type", e.type());
        optional(o, "state", e.state());
        o.put("message", e.message());
        ObjectNode details = o.putObject("details");
        new TreeMap<>(e.details()).forEach(details::put);
        return o;
    }

    /**
     * @param lastSeq the seq to pass as {@code after} for the next page
     * @param headSeq the newest event's seq in the whole log: follow from it to see only what comes next
     */
    static ObjectNode events(List<Event> events, long lastSeq, long headSeq) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("events");
        events.forEach(e -> a.add(event(e)));
        o.put("lastSeq", lastSeq);
        o.put("headSeq", Math.max(headSeq, lastSeq));
        return o;
    }

    static ObjectNode plugins(List<PluginInfo> plugins) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("plugins");
        for (PluginInfo p : plugins) {
            ObjectNode po = a.addObject();
            po.put("name", p.name());
            ArrayNode caps = po.putArray("capabilities");
            p.capabilities().stream().map(Enum::name).sorted().forEach(caps::add);
        }
        return o;
    }

    static ObjectNode logs(String ref, List<String> lines) {
        ObjectNode o = Json.object();
        o.put("deployment", ref);
        ArrayNode a = o.putArray("lines");
        lines.forEach(a::add);
        return o;
    }

    static ObjectNode error(ApiError e) {
        ObjectNode o = Json.object();
        o.put("error", e.code());
        o.put("message", e.message() == null || e.message().isBlank() ? "the request failed" : e.message());
        o.set("details", Json.value(e.details() == null ? Map.of() : new TreeMap<>(e.details())));
        return o;
    }

    private static void optional(ObjectNode o, String field, String value) {
        if (value == null || value.isEmpty()) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }

    private static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
