package dev.era.compat;

import dev.era.core.Caller;
import dev.era.core.SandboxService;
import dev.era.http.RouteModule;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * RunLoop's devbox API under {@code /v1}, so that RunLoop's own SDKs work against ERA with only
 * their base URL and API key changed: a devbox is an ERA sandbox, an execution an ERA execution,
 * a disk snapshot an ERA workspace snapshot. What ERA does not offer (blueprints, tunnels, the
 * agent gateway, ...) is answered with a 400 that names the nearest ERA feature. docs/compat.md
 * lists every endpoint and how far it is supported.
 */
public final class RunLoopApi implements RouteModule {
    static final String DOCS = "docs/compat.md lists the RunLoop endpoints ERA serves";
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    /** RunLoop's other resources, each with the ERA feature closest to it. */
    private static final Map<String, String[]> OTHER_RESOURCES = Map.ofEntries(
            Map.entry("blueprints", new String[] {"blueprints (images built from Dockerfiles)", NotOffered.SNAPSHOTS}),
            Map.entry("objects", new String[] {"the object store", "upload_file and download_file on a devbox"}),
            Map.entry("secrets", new String[] {"the secret store", NotOffered.ENVIRONMENT}),
            Map.entry("agents", new String[] {"RunLoop agents", "ERA's own agents (/agents)"}),
            Map.entry("scenarios", new String[] {"scenarios", "devboxes created from snapshots"}),
            Map.entry("benchmarks", new String[] {"benchmarks", "devboxes created from snapshots"}),
            Map.entry("benchmark_runs", new String[] {"benchmark runs", "devboxes created from snapshots"}),
            Map.entry("benchmark_jobs", new String[] {"benchmark jobs", "devboxes created from snapshots"}),
            Map.entry("repositories", new String[] {"repository connections", "a git clone run with execute"}),
            Map.entry("network-policies", new String[] {"network policies", "network none or host, per sandbox"}),
            Map.entry("network_policies", new String[] {"network policies", "network none or host, per sandbox"}),
            Map.entry("gateway-configs", new String[] {"the agent gateway", NotOffered.ENVIRONMENT}),
            Map.entry("mcp-configs", new String[] {"the MCP hub", NotOffered.ENVIRONMENT}),
            Map.entry("axons", new String[] {"axons", "ERA's agents (/agents)"}),
            Map.entry("pty", new String[] {"PTY tunnels", NotOffered.SHELL}),
            Map.entry("apikeys", new String[] {"API key management", "the daemon's API keys, one per tenant"}),
            Map.entry("restricted_keys", new String[] {"restricted keys", "one API key per tenant"}),
            Map.entry("accounts", new String[] {"accounts", "tenants and their API keys"}));

    private final Routes routes = new Routes(DOCS);

    private RunLoopApi(SandboxService sandboxes, Path scratch, String network, Duration heartbeat) {
        new DevboxRoutes(sandboxes, network).register(routes);
        new ExecutionRoutes(sandboxes, new OutputFeed(sandboxes, heartbeat)).register(routes);
        new FileRoutes(sandboxes, scratch).register(routes);
        new SnapshotRoutes(sandboxes).register(routes);
        notOffered(routes);
    }

    /**
     * @param scratch a directory for uploads too large to hold in memory (created, private to the daemon)
     * @param network the network of devboxes: {@code none} (ERA's default) or {@code host}
     * @throws UncheckedIOException when the scratch directory cannot be made
     */
    public static RunLoopApi create(SandboxService sandboxes, Path scratch, String network) {
        return create(sandboxes, scratch, network, HEARTBEAT);
    }

    static RunLoopApi create(SandboxService sandboxes, Path scratch, String network, Duration heartbeat) {
        Objects.requireNonNull(sandboxes, "sandboxes");
        if (!network.equals("none") && !network.equals("host")) {
            throw new IllegalArgumentException("the devbox network must be none or host, not " + network);
        }
        try {
            Files.createDirectories(scratch);
            Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the upload scratch directory " + scratch, e);
        }
        return new RunLoopApi(sandboxes, scratch, network, heartbeat);
    }

    @Override
    public String prefix() {
        return "/v1";
    }

    @Override
    public void handle(Caller caller, Request request, Response response, Callback callback) throws Exception {
        String[] parts = Request.getPathInContext(request).split("/");
        // "/v1/<resource>/...": parts[0] is empty, parts[1] is "v1"
        if (parts.length > 2 && OTHER_RESOURCES.containsKey(parts[2])) {
            String[] what = OTHER_RESOURCES.get(parts[2]);
            throw NotOffered.feature(what[0], what[1]);
        }
        routes.dispatch(caller, request, response, callback);
    }

    private static void notOffered(Routes r) {
        String box = DevboxRoutes.BASE + "/{id}";
        r.add("POST", box + "/create_ssh_key", NotOffered.route("SSH access", NotOffered.SHELL));
        r.add("POST", box + "/create_pty_tunnel", NotOffered.route("PTY tunnels", NotOffered.SHELL));
        r.add("POST", box + "/enable_tunnel", NotOffered.route("tunnels", NotOffered.NETWORK));
        r.add("POST", box + "/create_tunnel", NotOffered.route("tunnels", NotOffered.NETWORK));
        r.add("POST", box + "/remove_tunnel", NotOffered.route("tunnels", NotOffered.NETWORK));
        r.add("POST", box + "/create_gateway_token", NotOffered.route("the agent gateway", NotOffered.ENVIRONMENT));
        r.add("POST", box + "/create_mcp_token", NotOffered.route("the MCP hub", NotOffered.ENVIRONMENT));
        r.add("GET", box + "/usage", NotOffered.route("resource usage accounting",
                "the daemon's Prometheus metrics at /metrics"));
        r.add("GET", DevboxRoutes.BASE + "/evictions/watch", NotOffered.route("eviction notices (ERA never evicts)",
                "the daemon's event stream at /events"));
    }
}
