package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the daemon's sandbox JSON into the client's records; the shapes are documented in /openapi.json. */
final class SandboxWire {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private SandboxWire() {
    }

    static Sandbox sandbox(JsonNode n) {
        JsonNode r = n.path("resources");
        return new Sandbox(text(n, "id"), text(n, "name"), text(n, "tenant"), text(n, "state"), text(n, "engine"),
                text(n, "image"), r.path("cpu").asDouble(), r.path("memory").asLong(), r.path("pids").asInt(),
                text(n, "network"), strings(n.path("env")), strings(n.path("labels")), duration(text(n, "idleTimeout")),
                text(n, "fromSnapshot"), text(n, "message"), time(n, "createdAt"), time(n, "lastActivity"), n);
    }

    static List<Sandbox> sandboxes(JsonNode n) {
        List<Sandbox> out = new ArrayList<>();
        n.path("sandboxes").forEach(s -> out.add(sandbox(s)));
        return out;
    }

    static Execution execution(JsonNode n) {
        JsonNode exit = n.path("exitCode");
        return new Execution(text(n, "executionId"), text(n, "sandboxId"), text(n, "command"), text(n, "shell"),
                text(n, "status"), exit.isNumber() ? exit.asInt() : -1, text(n, "stdout"), text(n, "stderr"),
                n.path("truncated").asBoolean(), time(n, "startedAt"), time(n, "finishedAt"), n);
    }

    static List<Execution> executions(JsonNode n) {
        List<Execution> out = new ArrayList<>();
        n.path("executions").forEach(e -> out.add(execution(e)));
        return out;
    }

    static List<FileEntry> files(JsonNode n) {
        List<FileEntry> out = new ArrayList<>();
        for (JsonNode f : n.path("entries")) {
            out.add(new FileEntry(text(f, "path"), text(f, "name"), text(f, "type").equals("directory"),
                    f.path("size").asLong(), text(f, "mode"), time(f, "modifiedAt")));
        }
        return out;
    }

    static Snapshot snapshot(JsonNode n) {
        return new Snapshot(text(n, "id"), text(n, "tenant"), text(n, "sandboxId"), text(n, "name"), text(n, "status"),
                n.path("sizeBytes").asLong(), text(n, "location"), text(n, "message"), time(n, "createdAt"), n);
    }

    static List<Snapshot> snapshots(JsonNode n) {
        List<Snapshot> out = new ArrayList<>();
        n.path("snapshots").forEach(s -> out.add(snapshot(s)));
        return out;
    }

    /** An SSE event of an execution's stream: stdout, stderr (text or base64) or the final status. */
    static OutputChunk chunk(String event, JsonNode data) {
        return switch (event) {
            case "stdout", "stderr" -> new OutputChunk(event.equals("stdout") ? OutputChunk.Kind.STDOUT
                    : OutputChunk.Kind.STDERR, data.path("offset").asLong(), bytes(data), 0);
            case "status" -> new OutputChunk(OutputChunk.Kind.STATUS, 0, new byte[0], data.path("exitCode").asInt(-1));
            default -> null;
        };
    }

    private static byte[] bytes(JsonNode data) {
        if (data.has("base64")) {
            return Base64.getDecoder().decode(data.get("base64").asText());
        }
        return data.path("data").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Map<String, String> strings(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        n.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            return Duration.ZERO;
        }
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            case "m" -> Duration.ofMinutes(v);
            default -> Duration.ofHours(v);
        };
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isNull() || v.isMissingNode() ? "" : v.asText();
    }

    private static Instant time(JsonNode n, String field) {
        String v = text(n, field);
        try {
            return v.isEmpty() ? Instant.EPOCH : Instant.parse(v);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
