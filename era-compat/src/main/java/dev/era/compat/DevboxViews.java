package dev.era.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.core.Execution;
import dev.era.core.Sandbox;
import dev.era.core.SandboxState;
import dev.era.core.Snapshot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static dev.era.compat.Call.NODES;

/** ERA's records as RunLoop's wire views (field names as in RunLoop's OpenAPI spec and SDKs). */
final class DevboxViews {
    /** RunLoop names need not be unique nor DNS-like, so they live in a label, not in the sandbox's name. */
    static final String NAME_LABEL = "runloop.name";
    /** Labels the compatibility layer keeps for itself; not shown as metadata. */
    static final String OWN_LABELS = "runloop.";
    static final double GIB = 1024.0 * 1024 * 1024;

    private DevboxViews() {
    }

    /** RunLoop's devbox states map one to one onto ERA's sandbox states; a deleted sandbox is shut down. */
    static String status(SandboxState s) {
        return switch (s) {
            case PROVISIONING -> "provisioning";
            case RUNNING -> "running";
            case SUSPENDING -> "suspending";
            case SUSPENDED -> "suspended";
            case RESUMING -> "resuming";
            case FAILED -> "failure";
            case DELETED -> "shutdown";
        };
    }

    static final List<String> STATUSES = Arrays.stream(SandboxState.values()).map(DevboxViews::status).toList();

    static ObjectNode devbox(Sandbox s) {
        ObjectNode o = NODES.objectNode();
        String status = status(s.state());
        o.put("id", s.id());
        String name = s.labels().getOrDefault(NAME_LABEL, "");
        if (name.isEmpty()) {
            o.putNull("name");
        } else {
            o.put("name", name);
        }
        o.put("status", status);
        o.put("create_time_ms", s.createdAt().toEpochMilli());
        if (s.state() == SandboxState.DELETED) {
            o.put("end_time_ms", s.lastActivity().toEpochMilli());
            o.put("shutdown_reason", "api_shutdown");
        } else {
            o.putNull("end_time_ms");
        }
        o.putArray("capabilities");
        o.set("launch_parameters", launchParameters(s));
        ObjectNode metadata = o.putObject("metadata");
        metadataOf(s).forEach(metadata::put);
        ArrayNode transitions = o.putArray("state_transitions");
        transitions.addObject().put("status", "provisioning").put("transition_time_ms", s.createdAt().toEpochMilli());
        if (!status.equals("provisioning")) {
            transitions.addObject().put("status", status).put("transition_time_ms", s.lastActivity().toEpochMilli());
        }
        if (s.state() == SandboxState.FAILED) {
            o.put("failure_reason", "execution_failed");
        }
        if (s.fromSnapshot().isEmpty()) {
            o.putNull("snapshot_id");
        } else {
            o.put("snapshot_id", s.fromSnapshot());
        }
        o.putNull("blueprint_id");
        o.put("initiator_type", "api");
        o.putNull("tunnel");
        return o;
    }

    private static ObjectNode launchParameters(Sandbox s) {
        ObjectNode p = NODES.objectNode();
        if (s.resources().limited()) {
            p.put("resource_size_request", "CUSTOM_SIZE");
            if (s.resources().cpu() > 0) {
                p.put("custom_cpu_cores", s.resources().cpu());
            }
            if (s.resources().memoryBytes() > 0) {
                p.put("custom_gb_memory", s.resources().memoryBytes() / GIB);
            }
        }
        if (!s.idleTimeout().isZero()) {
            p.putObject("after_idle").put("idle_time_seconds", s.idleTimeout().toSeconds()).put("on_idle", "suspend");
        }
        p.put("architecture", Launch.architecture());
        return p;
    }

    /**
     * An execution as {@code DevboxAsyncExecutionDetailView}. ERA's execution ends as completed,
     * killed, timed_out or failed; RunLoop knows only "completed", with the exit status telling which.
     *
     * @param lastN keep only the last n lines of each stream (and flag it truncated when lines were cut)
     */
    static ObjectNode execution(Execution e, OptionalInt lastN) {
        ObjectNode o = NODES.objectNode();
        o.put("devbox_id", e.sandboxId());
        o.put("execution_id", e.id());
        o.put("status", e.finished() ? "completed" : "running");
        if (e.finished()) {
            o.put("exit_status", e.exitCode());
        } else {
            o.putNull("exit_status");
        }
        shellName(o, e);
        output(o, "stdout", e.stdout(), e.truncated(), lastN);
        output(o, "stderr", e.stderr(), e.truncated(), lastN);
        return o;
    }

    /** {@code DevboxExecutionDetailView}: the result of execute_sync and of file writes. */
    static ObjectNode result(String devboxId, int exitStatus, String stdout, String stderr, Optional<String> shell) {
        ObjectNode o = NODES.objectNode();
        o.put("devbox_id", devboxId);
        o.put("exit_status", exitStatus);
        o.put("stdout", stdout);
        o.put("stderr", stderr);
        shell.ifPresentOrElse(s -> o.put("shell_name", s), () -> o.putNull("shell_name"));
        return o;
    }

    private static void shellName(ObjectNode o, Execution e) {
        if (e.shell().isEmpty()) {
            o.putNull("shell_name");
        } else {
            o.put("shell_name", e.shell());
        }
    }

    private static void output(ObjectNode o, String stream, String text, boolean truncated, OptionalInt lastN) {
        String kept = text;
        boolean cut = truncated;
        if (lastN.isPresent()) {
            String tail = lastLines(text, lastN.getAsInt());
            cut |= tail.length() < text.length();
            kept = tail;
        }
        o.put(stream, kept);
        o.put(stream + "_truncated", cut);
    }

    /** The last {@code n} lines, counting a final unterminated line as one. */
    static String lastLines(String text, int n) {
        if (n <= 0) {
            return "";
        }
        int end = text.endsWith("\n") ? text.length() - 1 : text.length();
        int at = end;
        for (int seen = 0; seen < n; seen++) {
            at = text.lastIndexOf('\n', at - 1);
            if (at < 0) {
                return text;
            }
        }
        return text.substring(at + 1);
    }

    static ObjectNode snapshot(Snapshot s) {
        ObjectNode o = NODES.objectNode();
        o.put("id", s.id());
        o.put("create_time_ms", s.createdAt().toEpochMilli());
        o.putObject("metadata");
        o.put("source_devbox_id", s.sandboxId());
        if (s.name().isEmpty()) {
            o.putNull("name");
        } else {
            o.put("name", s.name());
        }
        o.putNull("commit_message");
        o.put("size_bytes", s.sizeBytes());
        o.putNull("source_blueprint_id");
        return o;
    }

    /** {@code DevboxSnapshotAsyncStatusView}; ERA's {@code failed} is RunLoop's {@code error}. */
    static ObjectNode snapshotStatus(Snapshot s) {
        ObjectNode o = NODES.objectNode();
        String status = switch (s.status()) {
            case "complete" -> "complete";
            case "in_progress" -> "in_progress";
            default -> "error";
        };
        o.put("status", status);
        if (status.equals("error")) {
            o.put("error_message", s.message().isEmpty() ? "the snapshot failed" : s.message());
        } else {
            o.putNull("error_message");
        }
        o.set("snapshot", snapshot(s));
        return o;
    }

    /** One page of a cursor list: items after {@code startingAfter} (an id), at most {@code limit}. */
    static <T> Page<T> page(List<T> sorted, java.util.function.Function<T, String> id, Optional<String> startingAfter,
                            int limit) {
        int from = 0;
        if (startingAfter.isPresent()) {
            from = sorted.size();
            for (int i = 0; i < sorted.size(); i++) {
                if (id.apply(sorted.get(i)).equals(startingAfter.get())) {
                    from = i + 1;
                    break;
                }
            }
        }
        int to = Math.min(sorted.size(), from + limit);
        return new Page<>(new ArrayList<>(sorted.subList(Math.min(from, to), to)), to < sorted.size(), sorted.size());
    }

    record Page<T>(List<T> items, boolean hasMore, int total) {}

    /** The labels a client set, without the ones this layer keeps for itself. */
    static Map<String, String> metadataOf(Sandbox s) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        s.labels().forEach((k, v) -> {
            if (!k.startsWith(OWN_LABELS)) {
                m.put(k, v);
            }
        });
        return m;
    }
}
