package dev.era.compat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;
import dev.era.core.ExecRequest;
import dev.era.core.Execution;
import dev.era.core.OutputChunk;
import dev.era.core.SandboxService;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import static dev.era.compat.Call.NODES;

/**
 * Commands: execute (optimistic wait), execute_sync, execute_async, retrieve, wait_for_status
 * (long poll), kill, send_std_in and the stdout/stderr streams, all on ERA's executions.
 */
final class ExecutionRoutes {
    /** Kept per stream for the result; ERA's own ceiling (SandboxConfig.maxOutputBytes) caps it further. */
    static final long MAX_OUTPUT = 16L << 20;
    private static final Set<String> EXECUTION_STATUSES = Set.of("queued", "running", "completed");

    private final SandboxService sandboxes;
    private final OutputFeed streams;

    ExecutionRoutes(SandboxService sandboxes, OutputFeed streams) {
        this.sandboxes = sandboxes;
        this.streams = streams;
    }

    void register(Routes r) {
        String box = DevboxRoutes.BASE + "/{id}";
        String one = box + "/executions/{eid}";
        r.add("POST", box + "/execute_sync", this::executeSync);
        r.add("POST", box + "/execute_async", this::executeAsync);
        r.add("POST", box + "/executions/execute_async", this::executeAsync);
        r.add("POST", box + "/execute", this::execute);
        r.add("GET", one, c -> execution(c, sandboxes.execution(c.caller(), c.param("id"), c.param("eid"))));
        r.add("POST", one + "/wait_for_status", this::waitForStatus);
        r.add("POST", one + "/kill", c -> execution(c, sandboxes.kill(c.caller(), c.param("id"), c.param("eid"))));
        r.add("POST", one + "/send_std_in", this::sendStdin);
        r.add("GET", one + "/stream_stdout_updates", c -> streams.follow(c, OutputChunk.STDOUT));
        r.add("GET", one + "/stream_stderr_updates", c -> streams.follow(c, OutputChunk.STDERR));
    }

    private static void execution(Call c, Execution e) {
        c.json(200, DevboxViews.execution(e, lastN(c)));
    }

    /** RunLoop's {@code last_n}: only the last n lines of each stream; absent = everything kept. */
    static OptionalInt lastN(Call c) {
        return c.query("last_n").map(n -> {
            try {
                int v = Integer.parseInt(n.trim());
                if (v >= 0) {
                    return OptionalInt.of(v);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new BadRequestException("last_n must be a whole number of lines, not '" + Routes.clip(n) + "'");
        }).orElse(OptionalInt.empty());
    }

    /** attach_stdin is accepted and changes nothing: every ERA execution takes stdin through send_std_in. */
    static ExecRequest request(Body b, Duration timeout) {
        String command = b.required("command");
        String shell = b.text("shell_name").orElse("");
        return new ExecRequest(List.of(command), shell, Map.of(), "", timeout, MAX_OUTPUT, false, 24, 80);
    }

    private void executeSync(Call c) {
        Body b = c.body();
        Execution e = sandboxes.execSync(c.caller(), c.param("id"), request(b, Duration.ZERO));
        c.json(200, DevboxViews.result(e.sandboxId(), e.exitCode(), e.stdout(), e.stderr(),
                b.text("shell_name").filter(s -> !s.isEmpty())));
    }

    private void executeAsync(Call c) {
        Execution e = sandboxes.execAsync(c.caller(), c.param("id"), request(c.body(), Duration.ZERO));
        c.json(200, DevboxViews.execution(e, OptionalInt.empty()));
    }

    /**
     * Starts the command and waits for it up to {@code optimistic_timeout} (25 s by default); a
     * command still running is answered as running and followed with wait_for_status. ERA makes its
     * own execution ids, so {@code command_id} is accepted but not kept.
     */
    private void execute(Call c) {
        Body b = c.body();
        Duration wait = b.number("optimistic_timeout").map(t -> Duration.ofMillis((long) (Math.max(0, t) * 1000)))
                .filter(d -> d.compareTo(DevboxRoutes.MAX_HOLD) <= 0).orElse(DevboxRoutes.MAX_HOLD);
        Execution started = sandboxes.execAsync(c.caller(), c.param("id"), request(b, Duration.ZERO));
        execution(c, sandboxes.await(c.caller(), started.sandboxId(), started.id(), wait));
    }

    /** A command is never queued in ERA's sense (a named shell's next command shows as running). */
    private void waitForStatus(Call c) {
        Body b = c.body();
        List<String> wanted = b.list("statuses");
        if (wanted.isEmpty() || !EXECUTION_STATUSES.containsAll(wanted)) {
            throw Body.bad("statuses", "must list some of queued, running, completed");
        }
        Duration hold = DevboxRoutes.hold(b);
        Execution e = sandboxes.execution(c.caller(), c.param("id"), c.param("eid"));
        if (!wanted.contains(status(e))) {
            e = sandboxes.await(c.caller(), c.param("id"), c.param("eid"), hold);
        }
        if (wanted.contains(status(e))) {
            execution(c, e);
        } else {
            c.notYet("execution " + e.id() + " is " + status(e) + " after " + hold.toSeconds() + " s");
        }
    }

    private static String status(Execution e) {
        return e.finished() ? "completed" : "running";
    }

    /** {@code text} goes to stdin; {@code EOF} closes it; {@code INTERRUPT} ends the command (ERA kills it). */
    private void sendStdin(Call c) {
        Body b = c.body();
        String id = c.param("id");
        String eid = c.param("eid");
        String signal = b.text("signal").orElse("");
        byte[] text = b.text("text").orElse("").getBytes(StandardCharsets.UTF_8);
        switch (signal) {
            case "" -> sandboxes.sendStdin(c.caller(), id, eid, text, false);
            case "EOF" -> sandboxes.sendStdin(c.caller(), id, eid, text, true);
            case "INTERRUPT" -> {
                if (text.length > 0) {
                    sandboxes.sendStdin(c.caller(), id, eid, text, false);
                }
                sandboxes.kill(c.caller(), id, eid);
            }
            default -> throw Body.bad("signal", "must be EOF or INTERRUPT");
        }
        ObjectNode o = NODES.objectNode();
        o.put("devbox_id", id);
        o.put("execution_id", eid);
        o.put("success", true);
        c.json(200, o);
    }
}
