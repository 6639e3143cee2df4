package dev.era.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.http.SpecFuzz;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of random specs and requests against one real daemon over TCP, with its real store,
 * engine and API keys: no answer may be a 5xx, and every error carries {@code error} and
 * {@code message}. Accepted specs run real (short-lived) processes and are deleted at once.
 */
class DaemonFuzzTest {

    private static Path dir;
    private static DaemonProcess daemon;
    private static RawHttp http;
    private static String adminKey;
    private static String tenantKey;

    private record Req(String method, String target, List<String> headers, byte[] body) {
        @Override
        public String toString() {
            return method + " " + target + " " + headers + " " + (body == null ? "" : new String(body, StandardCharsets.UTF_8));
        }
    }

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("era-daemon-fuzz");
        daemon = DaemonProcess.start(dir);
        adminKey = daemon.firstKey();
        tenantKey = daemon.unix().createKey("fuzz", "").secret();
        http = new RawHttp(daemon.tcpPort());
    }

    @AfterContainer
    static void stop() throws IOException {
        try {
            String metrics = http.get("/metrics", "Authorization", "Bearer " + adminKey).text();
            assertThat(metrics).as("no request of the whole run was answered with a 5xx")
                    .doesNotContainPattern("status=\"5\\d\\d\"");
        } finally {
            daemon.close();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Property(tries = 1000)
    void randomSpecsNeverCauseAServerError(@ForAll("specs") String spec, @ForAll("specTypes") String type) {
        RawHttp.Reply r = http.post("/deployments", spec, "Authorization", "Bearer " + adminKey, "Content-Type", type);
        Statistics.collect(r.status());

        assertSane(r, "POST /deployments\n" + spec);
        if (r.status() == 201) {
            RawHttp.Reply gone = http.send("DELETE", "/deployments/" + r.json().get("id").asText() + "?wait=30s", null,
                    "Authorization", "Bearer " + adminKey);
            assertThat(gone.status()).as(gone.toString()).isEqualTo(200);
        }
    }

    @Property(tries = 1500)
    void randomRequestsNeverCauseAServerError(@ForAll("requests") Req req) {
        RawHttp.Reply r = http.send(req.method(), req.target(), req.body(), req.headers().toArray(String[]::new));
        Statistics.collect(r.status());

        if (req.method().equals("HEAD")) {
            assertThat(r.status()).as(req.toString()).isLessThan(500);
        } else {
            assertSane(r, req.toString());
        }
    }

    private static void assertSane(RawHttp.Reply r, String what) {
        assertThat(r.status()).as(what + " -> " + r).isLessThan(500);
        if (r.status() >= 400) {
            JsonNode body = r.json();
            assertThat(body.path("error").isTextual()).as(what + " -> " + r).isTrue();
            assertThat(body.path("message").asText()).as(what + " -> " + r).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> specTypes() {
        return Arbitraries.of("application/yaml", "application/json", "text/plain", "text/yaml; charset=utf-8");
    }

    @Provide
    Arbitrary<String> specs() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, structuredSpecs()),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(200)),
                Tuple.of(2, mutatedSpecs()));
    }

    /** Mostly valid specs (short-lived commands) with random fields added or replaced. */
    private Arbitrary<String> structuredSpecs() {
        Arbitrary<String> names = Arbitraries.integers().between(0, 3000).map(i -> "app-" + i);
        Arbitrary<List<String>> commands = Arbitraries.of(List.of("true"), List.of("sleep", "5"),
                List.of("sh", "-c", "exit 3"), List.of("/nonexistent/bin"), List.of("sleep"), List.of());
        Arbitrary<Map<String, Object>> extra = Arbitraries.maps(Arbitraries.of(SpecFuzz.FIELDS), SpecFuzz.values(2)).ofMaxSize(3);
        Arbitrary<Map<String, Object>> valid = Arbitraries.of(
                Map.<String, Object>of("resources", Map.of("memory", "64Mi", "cpu", 0.5, "pids", 32)),
                Map.<String, Object>of("restart", Map.of("policy", "always", "backoff", "1s")),
                Map.<String, Object>of("health", Map.of("tcp", Map.of("port", 1), "deadline", "1s")),
                Map.<String, Object>of("env", Map.of("A", "b")),
                Map.<String, Object>of("volumes", List.of(Map.of("name", "data"))),
                Map.<String, Object>of());
        return Combinators.combine(names, commands, valid, extra, Arbitraries.integers().between(0, 3))
                .as((name, command, v, x, mode) -> {
                    Map<String, Object> spec = new LinkedHashMap<>();
                    spec.put("name", name);
                    spec.put("command", command);
                    spec.putAll(v);
                    if (mode > 0) {
                        spec.putAll(x);
                    }
                    return RawHttp.JSON.valueToTree(spec).toString();
                });
    }

    private Arbitrary<String> mutatedSpecs() {
        String valid = "name: web\nengine: process\ncommand: [sleep, '5']\nenv:\n  A: b\nresources:\n  memory: 64Mi\n"
                + "  pids: 32\nhealth:\n  tcp:\n    port: 1\n  deadline: 1s\nrestart:\n  policy: always\nstopTimeout: 1s\n";
        return SpecFuzz.mutated(valid);
    }

    @Provide
    Arbitrary<Req> requests() {
        Arbitrary<String> method = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.of("GET", "POST", "DELETE", "HEAD")),
                Tuple.of(1, Arbitraries.of("PUT", "PATCH", "OPTIONS", "FOO")));
        Arbitrary<String> segment = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("deployments", "events", "logs", "health", "plugins", "metrics",
                        "openapi.json", "status", "stop", "start", "admin", "keys", "web", "d-0123456789ab")),
                Tuple.of(2, Arbitraries.strings().withChars("abcXYZ019-._~%2F").ofMaxLength(8)),
                Tuple.of(1, Arbitraries.of("..", ".", "%00", "%ff", "%e2%82%ac", "%", "%zz", ";x")));
        Arbitrary<String> ref = Arbitraries.oneOf(segment, Arbitraries.integers().between(0, 3000).map(i -> "app-" + i));
        Arbitrary<String> routed = Combinators.combine(Arbitraries.of("/deployments/%s", "/deployments/%s/status",
                "/deployments/%s/stop", "/deployments/%s/start", "/deployments", "/events", "/logs", "/plugins",
                "/metrics", "/health", "/openapi.json", "/admin/keys"), ref).as((t, r) -> t.formatted(r));
        Arbitrary<String> path = Arbitraries.frequencyOf(
                Tuple.of(3, routed),
                Tuple.of(1, segment.list().ofMinSize(1).ofMaxSize(4).map(s -> "/" + String.join("/", s))));
        // half the requests use a real route with its own method, so that most get past routing
        Arbitrary<String[]> real = Combinators.combine(Arbitraries.of(
                "GET /deployments", "POST /deployments", "GET /deployments/%s", "DELETE /deployments/%s",
                "GET /deployments/%s/status", "POST /deployments/%s/stop", "POST /deployments/%s/start", "GET /events",
                "GET /logs", "GET /plugins", "GET /metrics", "GET /admin/keys", "POST /admin/keys"), ref)
                .as((route, r) -> route.formatted(r).split(" ", 2));
        Arbitrary<String[]> target = Arbitraries.oneOf(real, Combinators.combine(method, path).as((m, p) -> new String[]{m, p}));
        // no long waits: a request may hold its connection open for as long as it asks
        Arbitrary<String> param = Combinators.combine(
                Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of("wait", "after", "limit", "deployment", "tail",
                        "lines")), Tuple.of(1, Arbitraries.of("nope", ""))),
                Arbitraries.oneOf(Arbitraries.of("", "1", "0", "-1", "true", "web", "9999999999999999999999",
                        "%zz", "%20", "app-1", "100ms", "1000"), Arbitraries.strings().withChars("abc123-%&=+").ofMaxLength(6)))
                .as((k, v) -> k.equals("wait") && v.length() > 3 && !v.endsWith("ms") ? k + "=" + "50ms" : k + "=" + v);
        // most routes take few parameters: an unknown one is a 400 before anything else is looked at
        Arbitrary<String> query = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just("")),
                Tuple.of(2, param.list().ofMinSize(1).ofMaxSize(2).map(l -> "?" + String.join("&", l))));
        Arbitrary<List<String>> headers = Arbitraries.frequencyOf(
                        Tuple.of(6, Arbitraries.just(List.of("Authorization", "Bearer " + adminKey))),
                        Tuple.of(2, Arbitraries.just(List.of("X-API-Key", tenantKey))),
                        Tuple.of(1, Arbitraries.just(List.of("Authorization", "Bearer era_nope"))),
                        Tuple.of(1, Arbitraries.just(List.of("Authorization", "Basic xyz"))),
                        Tuple.of(2, Arbitraries.just(List.of("Content-Type", "application/yaml"))),
                        Tuple.of(2, Arbitraries.just(List.of("Content-Type", "application/json"))),
                        Tuple.of(1, Arbitraries.just(List.of("Content-Type", "multipart/form-data; boundary=x"))),
                        Tuple.of(1, Arbitraries.just(List.of("Content-Type", ";;"))),
                        Tuple.of(1, Arbitraries.just(List.of("Accept", "text/plain"))),
                        Tuple.of(1, Arbitraries.just(List.of("Last-Event-ID", "x"))))
                .list().ofMaxSize(3).map(l -> {
                    Map<String, String> unique = new LinkedHashMap<>();
                    l.forEach(h -> unique.put(h.get(0), h.get(1)));
                    List<String> flat = new ArrayList<>();
                    unique.forEach((k, v) -> {
                        flat.add(k);
                        flat.add(v);
                    });
                    return flat;
                });
        Arbitrary<byte[]> body = Arbitraries.oneOf(
                Arbitraries.just((byte[]) null),
                specs().map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of("{\"tenant\": \"x\"}", "{\"tenant\": 1}", "{}", "[]", "{\"tenant\":\"a\",\"label\":\"b\"}")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64));
        return Combinators.combine(target, query, headers, body)
                .as((t, q, h, b) -> new Req(t[0], t[1] + q, h, b))
                // a followed stream stays open by design
                .filter(r -> !r.target().contains("follow"));
    }
}
