package dev.era.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;
import dev.era.core.Caller;
import dev.era.core.ExecRequest;
import dev.era.core.Execution;
import dev.era.core.OutputChunk;
import dev.era.core.SandboxService;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * Commands in a sandbox: {@code /exec} runs one to its end; {@code /executions} starts one and lets
 * the client wait for it, kill it, feed its stdin and follow its output as Server-Sent Events.
 */
final class ExecEndpoints {
    static final Set<String> EXEC_FIELDS = Set.of("command", "shell", "env", "workingDir", "timeout", "maxOutputBytes");
    /** Longest a command may be given to run; the service may cap it further. */
    static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    static final long MAX_OUTPUT = 64L << 20;

    private final SandboxService sandboxes;
    private final SsePump pump;

    ExecEndpoints(SandboxService sandboxes, SsePump pump) {
        this.sandboxes = sandboxes;
        this.pump = pump;
    }

    void register(Router r) {
        String one = "/sandboxes/{id}/executions/{eid}";
        r.add("POST", "/sandboxes/{id}/exec", this::execSync);
        r.add("POST", "/sandboxes/{id}/executions", this::execAsync);
        r.add("GET", "/sandboxes/{id}/executions", ex -> ex.json(200,
                SandboxViews.executions(sandboxes.executions(ex.caller(), ex.param("id")))));
        r.add("GET", one, ex -> execution(ex, sandboxes.execution(ex.caller(), ex.param("id"), ex.param("eid"))));
        r.add("POST", one + "/wait", this::await, "timeout");
        r.add("POST", one + "/kill", ex -> execution(ex, sandboxes.kill(ex.caller(), ex.param("id"), ex.param("eid"))));
        r.add("POST", one + "/stdin", this::stdin, "close");
        r.add("GET", one + "/stream", this::stream, "stdoutOffset", "stderrOffset");
    }

    private static void execution(Exchange ex, Execution e) {
        ex.json(200, SandboxViews.execution(e));
    }

    private void execSync(Exchange ex) {
        ExecRequest request = request(JsonBody.read(ex, EXEC_FIELDS));
        execution(ex, sandboxes.execSync(ex.caller(), ex.param("id"), request));
    }

    private void execAsync(Exchange ex) {
        ExecRequest request = request(JsonBody.read(ex, EXEC_FIELDS));
        Execution e = sandboxes.execAsync(ex.caller(), ex.param("id"), request);
        ex.header("Location", "/sandboxes/" + e.sandboxId() + "/executions/" + e.id());
        ex.json(202, SandboxViews.execution(e));
    }

    static ExecRequest request(JsonBody b) {
        var command = b.command("command");
        if (command.isEmpty()) {
            throw b.bad("command", "is required: a string like \"ls -l\" (run by bash) or an array like [\"ls\", \"-l\"]");
        }
        return new ExecRequest(command, b.text("shell", ""), b.strings("env"), b.text("workingDir", ""),
                b.duration("timeout", MAX_TIMEOUT), b.wholeNumber("maxOutputBytes", ExecRequest.DEFAULT_MAX_OUTPUT, 0,
                MAX_OUTPUT), false, 24, 80);
    }

    private void await(Exchange ex) {
        Duration timeout = ex.query().duration("timeout", DeploymentEndpoints.MAX_WAIT).orElse(Duration.ofSeconds(30));
        execution(ex, sandboxes.await(ex.caller(), ex.param("id"), ex.param("eid"), timeout));
    }

    private void stdin(Exchange ex) {
        boolean close = ex.query().flag("close");
        byte[] data = ex.rawBody();
        sandboxes.sendStdin(ex.caller(), ex.param("id"), ex.param("eid"), data, close);
        ex.noContent();
    }

    /**
     * Each output event's id is the pair of offsets to resume from ({@code stdout,stderr}), so an
     * EventSource that reconnects with Last-Event-ID continues without gaps or repeats.
     */
    private void stream(Exchange ex) throws IOException {
        Caller caller = ex.caller();
        String id = ex.param("id");
        String eid = ex.param("eid");
        long[] next = {ex.query().longValue("stdoutOffset", 0, 0, Long.MAX_VALUE),
                ex.query().longValue("stderrOffset", 0, 0, Long.MAX_VALUE)};
        String resume = ex.header("Last-Event-ID");
        if (resume != null) {
            long[] offsets = offsets(resume);
            next[0] = offsets[0];
            next[1] = offsets[1];
        }
        if (ex.request().getMethod().equals("HEAD")) {
            sandboxes.execution(caller, id, eid);
            ex.bytes(200, "text/event-stream; charset=utf-8", new byte[0]);
            return;
        }
        SseWriter sse = new SseWriter(ex.response());
        pump.run(ex, sse, sink -> sandboxes.followOutput(caller, id, eid, next[0], next[1], sink), (OutputChunk c) -> {
            if (c.stream() == OutputChunk.STATUS) {
                ObjectNode o = Json.object();
                o.put("exitCode", c.exitCode());
                o.put("stdoutOffset", next[0]);
                o.put("stderrOffset", next[1]);
                sse.event("status", next[0] + "," + next[1], Json.text(o));
                return false;
            }
            int i = c.stream() == OutputChunk.STDOUT ? 0 : 1;
            long end = c.offset() + c.data().length;
            if (end <= next[i]) {
                return true; // a service may repeat what the client already has
            }
            OutputChunk fresh = c.offset() >= next[i] ? c : new OutputChunk(c.stream(), next[i],
                    Arrays.copyOfRange(c.data(), (int) (next[i] - c.offset()), c.data().length), 0);
            next[i] = end;
            sse.event(i == 0 ? "stdout" : "stderr", next[0] + "," + next[1], Json.text(chunk(fresh)));
            return true;
        });
    }

    /** {@code {"offset": n, "data": text}} when the bytes are UTF-8, else {@code {"offset": n, "base64": ...}}. */
    static ObjectNode chunk(OutputChunk c) {
        ObjectNode o = Json.object();
        o.put("offset", c.offset());
        try {
            o.put("data", StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(c.data())).toString());
        } catch (CharacterCodingException e) {
            o.put("base64", Base64.getEncoder().encodeToString(c.data()));
        }
        return o;
    }

    private static long[] offsets(String header) {
        String[] parts = header.trim().split(",", -1);
        try {
            if (parts.length == 2) {
                long out = Long.parseLong(parts[0].trim());
                long err = Long.parseLong(parts[1].trim());
                if (out >= 0 && err >= 0) {
                    return new long[] {out, err};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadRequestException("header Last-Event-ID must be the id of an output event ('stdoutOffset,"
                + "stderrOffset'), not '" + Query.clip(header) + "'", Map.of("header", "Last-Event-ID"));
    }
}
