package dev.era.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;
import dev.era.api.EraException;
import dev.era.core.Caller;
import dev.era.core.ExecRequest;
import dev.era.core.Execution;
import dev.era.core.Sandbox;
import dev.era.core.SandboxService;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import static dev.era.compat.Call.NODES;

/** A devbox's life: create, retrieve, list, update, shutdown, suspend, resume, keep-alive, waits and logs. */
final class DevboxRoutes {
    static final String BASE = "/v1/devboxes";
    /** RunLoop holds a long poll at most this long, then answers 408 and the SDK asks again. */
    static final Duration MAX_HOLD = Duration.ofSeconds(25);
    private static final int MAX_PAGE = 5000;

    private final SandboxService sandboxes;
    private final String network;

    /** @param network what devboxes get: {@code none} (ERA's default: no network) or {@code host} */
    DevboxRoutes(SandboxService sandboxes, String network) {
        this.sandboxes = sandboxes;
        this.network = network;
    }

    void register(Routes r) {
        String one = BASE + "/{id}";
        r.add("POST", BASE, this::create);
        r.add("POST", BASE + "/create_and_await_running", this::create);
        r.add("GET", BASE, this::list);
        r.add("GET", one, c -> devbox(c, sandboxes.get(c.caller(), c.param("id"))));
        r.add("POST", one, this::update);
        r.add("POST", one + "/shutdown", c -> devbox(c, sandboxes.delete(c.caller(), c.param("id"))));
        r.add("POST", one + "/suspend", c -> devbox(c, sandboxes.suspend(c.caller(), c.param("id"))));
        r.add("POST", one + "/resume", c -> devbox(c, sandboxes.resume(c.caller(), c.param("id"))));
        r.add("POST", one + "/keep_alive", c -> devbox(c, sandboxes.keepAlive(c.caller(), c.param("id"))));
        r.add("POST", one + "/wait_for_status", this::waitForStatus);
        r.add("GET", one + "/logs", this::logs);
    }

    static void devbox(Call c, Sandbox s) {
        c.json(200, DevboxViews.devbox(s));
    }

    /** Creates and waits until it runs (ERA's create does), then writes the file mounts and runs the launch commands. */
    private void create(Call c) {
        Launch launch = Launch.from(c.body(), network);
        Sandbox s = sandboxes.create(c.caller(), launch.request());
        try {
            for (Map.Entry<String, String> f : launch.files().entrySet()) {
                sandboxes.writeFile(c.caller(), s.id(), f.getKey(),
                        new ByteArrayInputStream(f.getValue().getBytes(StandardCharsets.UTF_8)));
            }
            for (String command : launch.commands()) {
                Execution e = sandboxes.execSync(c.caller(), s.id(), ExecRequest.of(command));
                if (e.exitCode() != 0) {
                    throw new BadRequestException("launch command '" + Routes.clip(command) + "' exited with "
                            + e.exitCode() + ": " + Routes.clip(e.stderr().strip()) + "; the devbox was shut down",
                            Map.of("command", Routes.clip(command), "exitStatus", e.exitCode()));
                }
            }
        } catch (EraException e) {
            discard(c.caller(), s.id());
            throw e;
        }
        devbox(c, sandboxes.get(c.caller(), s.id()));
    }

    private void discard(Caller caller, String id) {
        try {
            sandboxes.delete(caller, id);
        } catch (EraException ignored) {
            // the create's own failure is the one to report
        }
    }

    /** Newest first, as RunLoop lists; {@code starting_after} is the last id of the previous page. */
    private void list(Call c) {
        Optional<String> status = c.query("status");
        status.filter(s -> !DevboxViews.STATUSES.contains(s)).ifPresent(s -> {
            throw new BadRequestException("status must be one of " + String.join(", ", DevboxViews.STATUSES));
        });
        List<Sandbox> all = sandboxes.list(c.caller()).stream()
                .filter(s -> status.isEmpty() || DevboxViews.status(s.state()).equals(status.get()))
                .sorted(Comparator.comparing(Sandbox::createdAt).reversed().thenComparing(Sandbox::id))
                .toList();
        DevboxViews.Page<Sandbox> page = DevboxViews.page(all, Sandbox::id, c.query("starting_after"), limit(c));
        ObjectNode o = NODES.objectNode();
        ArrayNode items = o.putArray("devboxes");
        page.items().forEach(s -> items.add(DevboxViews.devbox(s)));
        o.put("has_more", page.hasMore());
        o.put("total_count", page.total());
        c.json(200, o);
    }

    static int limit(Call c) {
        return c.query("limit").map(l -> {
            try {
                int n = Integer.parseInt(l);
                if (n >= 1 && n <= MAX_PAGE) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new BadRequestException("limit must be a whole number from 1 to " + MAX_PAGE);
        }).orElse(20);
    }

    /** ERA fixes a sandbox's name and labels at creation: an update that changes nothing is all it can do. */
    private void update(Call c) {
        Body b = c.body();
        Sandbox s = sandboxes.get(c.caller(), c.param("id"));
        boolean sameName = b.text("name").map(n -> n.equals(s.labels().getOrDefault(DevboxViews.NAME_LABEL, "")))
                .orElse(true);
        boolean sameMetadata = !b.has("metadata") || b.strings("metadata").equals(DevboxViews.metadataOf(s));
        if (!sameName || !sameMetadata) {
            throw NotOffered.feature("changing a devbox's name or metadata after creation",
                    "snapshot_disk it and create a new devbox with the name and metadata from the snapshot");
        }
        devbox(c, s);
    }

    /** Holds until the devbox is in one of the statuses, at most {@code timeout_seconds} (25 s by default). */
    private void waitForStatus(Call c) throws InterruptedException {
        Body b = c.body();
        Set<String> wanted = Set.copyOf(b.list("statuses"));
        if (wanted.isEmpty()) {
            throw Body.bad("statuses", "is required: the devbox statuses to wait for, such as [\"running\"]");
        }
        Duration hold = hold(b);
        long deadline = System.nanoTime() + hold.toNanos();
        long pause = 5;
        while (true) {
            Sandbox s = sandboxes.get(c.caller(), c.param("id"));
            if (wanted.contains(DevboxViews.status(s.state()))) {
                devbox(c, s);
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                c.notYet("devbox " + s.id() + " is " + DevboxViews.status(s.state()) + ", not " + String.join(" or ",
                        wanted.stream().sorted().toList()) + ", after " + hold.toSeconds() + " s");
                return;
            }
            // the service has no state-change feed for sandboxes; a short, growing pause keeps this cheap
            Thread.sleep(Math.min(pause, left / 1_000_000 + 1));
            pause = Math.min(pause * 2, 100);
        }
    }

    static Duration hold(Body b) {
        return b.number("timeout_seconds").map(t -> {
            if (t < 0) {
                throw Body.bad("timeout_seconds", "must not be negative");
            }
            Duration d = Duration.ofMillis((long) (t * 1000));
            return d.compareTo(MAX_HOLD) > 0 ? MAX_HOLD : d;
        }).orElse(MAX_HOLD);
    }

    /** RunLoop's devbox log: one entry per command run, with its output, from ERA's execution records. */
    private void logs(Call c) {
        Optional<String> execution = c.query("execution_id");
        Optional<String> shell = c.query("shell_name");
        ObjectNode o = NODES.objectNode();
        ArrayNode logs = o.putArray("logs");
        for (Execution e : sandboxes.executions(c.caller(), c.param("id"))) {
            if (execution.filter(id -> !id.equals(e.id())).isPresent()
                    || shell.filter(sh -> !sh.equals(e.shell())).isPresent()) {
                continue;
            }
            entry(logs, e, e.startedAt().toEpochMilli(), "info", "", null);
            if (!e.stdout().isEmpty()) {
                entry(logs, e, e.startedAt().toEpochMilli(), "info", e.stdout(), null);
            }
            if (!e.stderr().isEmpty()) {
                entry(logs, e, e.startedAt().toEpochMilli(), "error", e.stderr(), null);
            }
            if (e.finished()) {
                entry(logs, e, Objects.requireNonNullElse(e.finishedAt(), e.startedAt()).toEpochMilli(), "info", "",
                        e.exitCode());
            }
        }
        c.json(200, o);
    }

    private static void entry(ArrayNode logs, Execution e, long at, String level, String message, Integer exit) {
        ObjectNode l = logs.addObject();
        l.put("timestamp_ms", at);
        l.put("source", "exec");
        l.put("level", level);
        l.put("cmd", e.command());
        l.put("cmd_id", e.id());
        if (!message.isEmpty()) {
            l.put("message", message);
        }
        if (exit != null) {
            l.put("exit_code", exit);
        }
        if (!e.shell().isEmpty()) {
            l.put("shell_name", e.shell());
        }
    }
}
