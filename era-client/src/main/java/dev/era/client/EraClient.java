package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The ERA daemon's API from Java. Create one with {@link #unix} (the daemon's socket; no key needed)
 * or {@link #tcp} (an API key is required). Every call opens its own connection, so one client may
 * be shared by threads. Failures are {@link EraClientException}s carrying the daemon's status, error
 * code and message; {@link DaemonUnavailableException} when nothing listens.
 */
public final class EraClient {
    /** Time allowed for an answer on top of any {@code wait} the request asks the daemon for. */
    private static final Duration ANSWER_TIME = Duration.ofSeconds(30);

    private final Http1 http;

    private EraClient(Http1 http) {
        this.http = http;
    }

    public static EraClient unix(Path socket) {
        return new EraClient(new Http1(new Endpoint.Unix(Objects.requireNonNull(socket, "socket")), ""));
    }

    /**
     * @param base   the daemon's URL, such as {@code http://127.0.0.1:7878}
     * @param apiKey the key sent as {@code Authorization: Bearer}
     * @throws IllegalArgumentException when the URL is not plain http
     */
    public static EraClient tcp(URI base, String apiKey) {
        Objects.requireNonNull(apiKey, "apiKey");
        return new EraClient(new Http1(new Endpoint.Tcp(Objects.requireNonNull(base, "base")), apiKey.trim()));
    }

    /** The socket path or URL this client talks to. */
    public String target() {
        return http.endpoint().describe();
    }

    /** The daemon's {@code status} ("ok" when it serves). */
    public String health() {
        return fetch("/health").path("status").asText();
    }

    public List<Plugin> plugins() {
        return Wire.plugins(fetch("/plugins"));
    }

    /** Creates a deployment from a YAML or JSON spec and returns at once. */
    public Deployment deploy(String specText) {
        return deploy(specText, Duration.ZERO);
    }

    /**
     * Creates a deployment from a YAML or JSON spec.
     *
     * @param wait how long the daemon waits for it to settle (RUNNING, STOPPED or FAILED) before
     *             answering; zero answers at once; the daemon accepts at most 10 minutes
     */
    public Deployment deploy(String specText, Duration wait) {
        byte[] body = specText.getBytes(StandardCharsets.UTF_8);
        return Wire.deployment(call("POST", "/deployments" + waitQuery(wait), "application/yaml", body, wait));
    }

    public List<Deployment> list() {
        return Wire.deployments(fetch("/deployments"));
    }

    /** @param ref a deployment id or name */
    public Deployment get(String ref) {
        return Wire.deployment(fetch("/deployments/" + segment(ref)));
    }

    /** @param lines how many of the last log lines to include */
    public DeploymentStatus status(String ref, int lines) {
        return Wire.status(fetch("/deployments/" + segment(ref) + "/status?lines=" + lines));
    }

    /**
     * Stores the spec as the deployment's next version and moves to it (blue-green or recreate, as
     * the spec says; rolled back when the new version fails its health checks).
     *
     * @param wait how long the daemon waits for the update to cut over or roll back; zero answers at once
     */
    public Deployment update(String ref, String specText, Duration wait) {
        byte[] body = specText.getBytes(StandardCharsets.UTF_8);
        return Wire.deployment(call("PUT", "/deployments/" + segment(ref) + waitQuery(wait), "application/yaml", body,
                wait));
    }

    /** Moves back to version {@code to}, or to the one before the current when {@code to} is 0. */
    public Deployment rollback(String ref, int to, Duration wait) {
        String query = waitQuery(wait);
        String target = "/deployments/" + segment(ref) + "/rollback" + query
                + (to > 0 ? (query.isEmpty() ? "?" : "&") + "to=" + to : "");
        return Wire.deployment(call("POST", target, null, new byte[0], wait));
    }

    /** Every stored version of the deployment's spec, oldest first. */
    public List<SpecVersion> versions(String ref) {
        return Wire.versions(fetch("/deployments/" + segment(ref) + "/versions"));
    }

    public Deployment stop(String ref, Duration wait) {
        return Wire.deployment(call("POST", "/deployments/" + segment(ref) + "/stop" + waitQuery(wait), null,
                new byte[0], wait));
    }

    public Deployment start(String ref, Duration wait) {
        return Wire.deployment(call("POST", "/deployments/" + segment(ref) + "/start" + waitQuery(wait), null,
                new byte[0], wait));
    }

    /**
     * Stops the work and removes the deployment with its files; answers once the removal is under
     * way (state UNINSTALLING).
     */
    public Deployment delete(String ref) {
        return delete(ref, Duration.ZERO);
    }

    /**
     * Like {@link #delete(String)}, but the daemon answers once the work is stopped and the files are
     * gone (state DELETED), or when {@code wait} runs out.
     */
    public Deployment delete(String ref, Duration wait) {
        return Wire.deployment(call("DELETE", "/deployments/" + segment(ref) + waitQuery(wait), null, null, wait));
    }

    /** Events with a seq above {@code after}, oldest first, at most {@code limit} (1-1000). */
    public EventPage events(long after, int limit) {
        return Wire.events(fetch("/events?after=" + after + "&limit=" + limit));
    }

    /** Like {@link #events(long, int)}, for the events of one deployment (id or name). */
    public EventPage events(long after, int limit, String deployment) {
        return Wire.events(fetch("/events?after=" + after + "&limit=" + limit + "&deployment=" + query(deployment)));
    }

    /**
     * The seq of the newest event in the daemon's log: {@code followEvents(eventHead(), ...)} shows
     * only what happens from now on, without reading the history.
     */
    public long eventHead() {
        return fetch("/events?limit=1").path("headSeq").asLong();
    }

    /**
     * Issues an API key for {@code tenant} (admin callers only: the Unix socket or a key of tenant
     * {@code default}).
     *
     * @param label a note for people; may be empty
     */
    public IssuedKey createKey(String tenant, String label) {
        com.fasterxml.jackson.databind.node.ObjectNode body = Wire.object();
        body.put("tenant", tenant);
        body.put("label", label);
        return Wire.issuedKey(call("POST", "/admin/keys", "application/json",
                body.toString().getBytes(StandardCharsets.UTF_8), Duration.ZERO));
    }

    /** Every API key, oldest first, without secrets (admin callers only). */
    public List<ApiKey> keys() {
        return Wire.keys(fetch("/admin/keys"));
    }

    /** The last {@code tail} lines of a deployment's output. */
    public List<String> logs(String ref, int tail) {
        return Wire.lines(fetch("/logs?deployment=" + query(ref) + "&tail=" + tail));
    }

    /** Delivers every event after {@code after}: those stored, then new ones as they happen. */
    public Subscription followEvents(long after, Consumer<Event> consumer) {
        return follow("/events?follow=true&after=" + after, e -> consumer.accept(Wire.event(json(e.data()))));
    }

    /** Like {@link #followEvents(long, Consumer)}, for the events of one deployment (id or name). */
    public Subscription followEvents(long after, String deployment, Consumer<Event> consumer) {
        return follow("/events?follow=true&after=" + after + "&deployment=" + query(deployment),
                e -> consumer.accept(Wire.event(json(e.data()))));
    }

    /** Delivers the last {@code tail} lines of a deployment's output, then every new line. */
    public Subscription followLogs(String ref, int tail, Consumer<String> consumer) {
        return follow("/logs?follow=true&deployment=" + query(ref) + "&tail=" + tail, e -> consumer.accept(e.data()));
    }

    /** Sandboxes: create, exec, files, snapshots and interactive sessions. */
    public Sandboxes sandboxes() {
        return new Sandboxes(this, http);
    }

    /** Agents deployed as {@code engine: agents}: messages, connections and the admin views. */
    public Agents agents() {
        return new Agents(this, http);
    }

    /** The daemon's image cache: list, pull with progress, remove, collect garbage. */
    public Images images() {
        return new Images(this, http);
    }

    Subscription follow(String target, Consumer<SseSubscription.SseEvent> consumer) {
        Http1.Stream stream = http.open(target, "text/event-stream");
        if (stream.status() != 200) {
            byte[] body;
            try {
                body = Http1.readAll(stream);
            } catch (IOException e) {
                throw new EraClientException(stream.status(), "io_error", "the daemon refused the stream with status "
                        + stream.status(), null, e);
            }
            throw failure(new Http1.Reply(stream.status(), stream.headers(), body));
        }
        return SseSubscription.start(stream, http.endpoint().describe(), consumer);
    }

    JsonNode fetch(String target) {
        return call("GET", target, null, null, Duration.ZERO);
    }

    JsonNode call(String method, String target, String contentType, byte[] body, Duration wait) {
        return answer(http.call(method, target, contentType, body, ANSWER_TIME.plus(wait)));
    }

    /** The JSON of an answer (a missing node for an empty one), or its failure. */
    JsonNode answer(Http1.Reply reply) {
        if (reply.status() >= 400) {
            throw failure(reply);
        }
        if (reply.body().length == 0) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        try {
            return Wire.parse(reply.body());
        } catch (IOException e) {
            throw new EraClientException(reply.status(), "bad_answer", "the daemon at " + target()
                    + " answered with something that is not JSON: " + clip(reply.text()), null, e);
        }
    }

    EraClientException failure(Http1.Reply reply) {
        try {
            JsonNode error = Wire.parse(reply.body());
            if (error != null && error.path("error").isTextual()) {
                return new EraClientException(reply.status(), error.get("error").asText(),
                        error.path("message").asText(), error.path("details"));
            }
        } catch (IOException e) {
            // not the daemon's JSON; reported below as it is
        }
        String text = reply.text().isBlank() ? "HTTP " + reply.status() : clip(reply.text().trim());
        return new EraClientException(reply.status(), "http_" + reply.status(), text, null);
    }

    static JsonNode json(String text) {
        try {
            return Wire.parse(text);
        } catch (IOException e) {
            throw new EraClientException(200, "bad_answer", "an event is not JSON: " + clip(text), null, e);
        }
    }

    private static String waitQuery(Duration wait) {
        return wait.isZero() || wait.isNegative() ? "" : "?wait=" + wait.toMillis() + "ms";
    }

    /** Percent-encodes a path segment (everything but RFC 3986 unreserved characters). */
    static String segment(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    static String query(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String clip(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
