package dev.era.compat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.NotFoundException;
import dev.era.api.Resources;
import dev.era.core.Caller;
import dev.era.core.Sandbox;
import dev.era.core.SandboxRequest;
import dev.era.core.SandboxService;
import dev.era.core.SandboxState;
import dev.era.http.RouteModule;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import static dev.era.compat.Call.NODES;

/**
 * OpenHands' remote-runtime API under {@code /openhands} (what OpenHands' RemoteRuntime calls with
 * {@code X-API-Key}): a runtime is an ERA sandbox on the host's network whose main process is the
 * start command. ERA picks a free port for each runtime, hands it to the command as {@code $PORT}
 * (and in place of OpenHands' default port among its arguments), and answers with
 * {@code url = http://<publicHost>:<port>} and a fresh {@code session_api_key} (also given to the
 * command as {@code $SESSION_API_KEY}, as OpenHands' action server expects). The session, port and
 * key are kept as the sandbox's labels, so runtimes survive a daemon restart.
 */
public final class OpenHandsApi implements RouteModule {
    static final String SESSION = "openhands.session";
    static final String PORT = "openhands.port";
    static final String KEY = "openhands.key";
    /** OpenHands pauses and resumes runtimes itself; ERA's idle suspension would freeze a server it still talks to. */
    private static final Duration IDLE = Duration.ofDays(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SandboxService sandboxes;
    private final OpenHandsConfig config;
    private final Ports ports;
    private final Routes routes = new Routes("docs/compat.md lists the OpenHands endpoints ERA serves");

    private OpenHandsApi(SandboxService sandboxes, OpenHandsConfig config) {
        this.sandboxes = sandboxes;
        this.config = config;
        this.ports = new Ports();
        String p = "/openhands";
        routes.add("POST", p + "/start", this::start);
        routes.add("POST", p + "/stop", c -> {
            Sandbox s = runtime(c.caller(), c.body().required("runtime_id"));
            sandboxes.delete(c.caller(), s.id());
            c.json(200, NODES.objectNode().put("runtime_id", s.id()).put("status", "stopped"));
        });
        routes.add("POST", p + "/pause", c -> {
            Sandbox s = runtime(c.caller(), c.body().required("runtime_id"));
            c.json(200, view(sandboxes.suspend(c.caller(), s.id())));
        });
        routes.add("POST", p + "/resume", c -> {
            Sandbox s = runtime(c.caller(), c.body().required("runtime_id"));
            c.json(200, view(sandboxes.resume(c.caller(), s.id())));
        });
        routes.add("GET", p + "/sessions/{sid}", c -> c.json(200, view(bySession(c.caller(), c.param("sid"))
                .orElseThrow(() -> new NotFoundException("there is no runtime for session '" + Routes.clip(c.param("sid"))
                        + "'; POST /openhands/start creates one", Map.of("session", Routes.clip(c.param("sid"))))))));
        routes.add("GET", p + "/runtime/{id}", c -> c.json(200, view(runtime(c.caller(), c.param("id")))));
        routes.add("GET", p + "/list", this::list);
        routes.add("GET", p + "/image_exists", c -> c.json(200, NODES.objectNode().put("exists",
                config.hostImages().contains(c.query("image").orElse("")))));
        routes.add("GET", p + "/registry_prefix", c -> c.json(200, NODES.objectNode()
                .put("registry_prefix", config.registryPrefix())));
        String build = "building runtime images";
        String nearest = "an image ERA runs as is: one of " + String.join(", ", config.hostImages().stream().sorted()
                .toList()) + " (the host's /usr) as sandbox.runtime_container_image";
        routes.add("POST", p + "/build", NotOffered.route(build, nearest));
        routes.add("GET", p + "/build_status", NotOffered.route(build, nearest));
    }

    public static OpenHandsApi create(SandboxService sandboxes, OpenHandsConfig config) {
        return new OpenHandsApi(Objects.requireNonNull(sandboxes, "sandboxes"), Objects.requireNonNull(config, "config"));
    }

    @Override
    public String prefix() {
        return "/openhands";
    }

    @Override
    public void handle(Caller caller, Request request, Response response, Callback callback) throws Exception {
        routes.dispatch(caller, request, response, callback);
    }

    /**
     * Starts a runtime for the session, or answers the one it has (resumed when paused; a failed one
     * is replaced). {@code resource_factor} and {@code runtime_class} are accepted and ignored.
     */
    private void start(Call c) {
        Body b = c.body();
        String session = b.text("session_id").filter(s -> !s.isEmpty()).orElseGet(() -> hex(8));
        if (session.length() > 256) {
            throw Body.bad("session_id", "must be at most 256 characters");
        }
        Optional<Sandbox> existing = bySession(c.caller(), session);
        if (existing.isPresent()) {
            Sandbox s = existing.get();
            switch (s.state()) {
                case SUSPENDED, SUSPENDING -> {
                    c.json(200, view(sandboxes.resume(c.caller(), s.id())));
                    return;
                }
                case FAILED -> sandboxes.delete(c.caller(), s.id());
                default -> {
                    c.json(200, view(s));
                    return;
                }
            }
        }
        int port = ports.free(taken(c.caller()));
        SandboxRequest request = runtimeRequest(b, session, port, hex(24));
        c.json(200, view(sandboxes.create(c.caller(), request)));
    }

    /**
     * The sandbox of a runtime: the start command (a list is an argv, a string a bash command line)
     * in its working directory, on the host's network, with the port and key in its environment and
     * labels. A host image means no image; any other goes to the configured image engine.
     */
    SandboxRequest runtimeRequest(Body b, String session, int port, String key) {
        List<String> command = b.get("command").filter(v -> v.isTextual()).map(v -> List.of("/bin/bash", "-lc", v.asText()))
                .orElseGet(() -> b.list("command"));
        if (command.isEmpty() || command.getLast().isBlank()) {
            throw Body.bad("command", "is required: the server to start in the runtime, as a list of arguments");
        }
        String image = b.text("image").orElse("");
        boolean host = image.isEmpty() || config.hostImages().contains(image);
        Map<String, String> env = new LinkedHashMap<>(b.strings("environment"));
        env.put("PORT", Integer.toString(port));
        env.put("SESSION_API_KEY", key);
        Map<String, String> labels = Map.of(SESSION, session, PORT, Integer.toString(port), KEY, key);
        return new SandboxRequest("", host ? "" : config.imageEngine(), host ? "" : image, Resources.UNLIMITED, "host",
                env, labels, IDLE, "", inDirectory(b.text("working_dir").orElse(""), withPort(command, port)));
    }

    /** OpenHands' default port among the arguments (or {@code {port}} inside one) becomes the chosen port. */
    List<String> withPort(List<String> command, int port) {
        String p = Integer.toString(port);
        String standard = Integer.toString(config.defaultPort());
        return command.stream().map(a -> a.equals(standard) ? p : a.replace("{port}", p)).toList();
    }

    private static List<String> inDirectory(String dir, List<String> command) {
        if (dir.isEmpty()) {
            return command;
        }
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "cd \"$0\" || exit 126; exec \"$@\"", dir));
        argv.addAll(command);
        return argv;
    }

    private void list(Call c) {
        ObjectNode o = NODES.objectNode();
        ArrayNode runtimes = o.putArray("runtimes");
        sandboxes.list(c.caller()).stream().filter(s -> s.labels().containsKey(SESSION))
                .forEach(s -> runtimes.add(view(s)));
        c.json(200, o);
    }

    private List<Integer> taken(Caller caller) {
        return sandboxes.list(caller).stream().map(s -> s.labels().get(PORT)).filter(Objects::nonNull)
                .map(Integer::parseInt).toList();
    }

    private Optional<Sandbox> bySession(Caller caller, String session) {
        return sandboxes.list(caller).stream().filter(s -> session.equals(s.labels().get(SESSION)))
                .filter(s -> s.state() != SandboxState.DELETED).findFirst();
    }

    private Sandbox runtime(Caller caller, String id) {
        Sandbox s = sandboxes.get(caller, id);
        if (!s.labels().containsKey(SESSION)) {
            throw new NotFoundException("sandbox " + id + " is not an OpenHands runtime; /openhands/list lists them",
                    Map.of("runtime", id));
        }
        return s;
    }

    /**
     * A runtime as OpenHands reads it: {@code status} running, paused or stopped (what
     * {@code /sessions} callers branch on), {@code pod_status} ready only once the server accepts
     * connections on its port (what RemoteRuntime waits for before it talks to the url).
     */
    ObjectNode view(Sandbox s) {
        String port = s.labels().getOrDefault(PORT, "0");
        String status = switch (s.state()) {
            case SUSPENDED, SUSPENDING -> "paused";
            case FAILED, DELETED -> "stopped";
            default -> "running";
        };
        String pod = switch (s.state()) {
            case RUNNING -> Ports.listening(Integer.parseInt(port)) ? "ready" : "running";
            case PROVISIONING, RESUMING -> "pending";
            case SUSPENDED, SUSPENDING -> "paused";
            case FAILED -> "failed";
            case DELETED -> "not found";
        };
        ObjectNode o = NODES.objectNode();
        o.put("runtime_id", s.id());
        o.put("session_id", s.labels().getOrDefault(SESSION, ""));
        o.put("url", "http://" + config.publicHost() + ":" + port);
        o.put("session_api_key", s.labels().getOrDefault(KEY, ""));
        o.put("status", status);
        o.put("pod_status", pod);
        o.put("restart_count", 0);
        o.putArray("restart_reasons");
        o.putObject("work_hosts");
        return o;
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
