package dev.era.compat;

import dev.era.api.BadRequestException;
import dev.era.api.Resources;
import dev.era.core.SandboxRequest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A RunLoop create body read as ERA's sandbox request, plus what runs once the sandbox is up
 * (RunLoop's file mounts and launch commands). Fields that ask for something ERA does not do are
 * refused with the nearest ERA feature; fields that are only hints (disk size, tier) are ignored.
 *
 * @param files    path to contents, written before the launch commands run
 * @param commands run in order with bash; one that fails fails the create
 */
record Launch(SandboxRequest request, Map<String, String> files, List<String> commands) {
    /** RunLoop's named sizes as cores and GiB of memory (RunLoop's published table). */
    private static final Map<String, double[]> SIZES = Map.of(
            "X_SMALL", new double[] {0.5, 1},
            "SMALL", new double[] {1, 2},
            "MEDIUM", new double[] {2, 4},
            "LARGE", new double[] {2, 8},
            "X_LARGE", new double[] {4, 16},
            "XX_LARGE", new double[] {8, 32});
    private static final Duration MAX_IDLE = Duration.ofDays(30);

    static Launch from(Body b, String network) {
        refuse(b, "blueprint_id", "blueprints (images built from Dockerfiles)", NotOffered.SNAPSHOTS);
        refuse(b, "blueprint_name", "blueprints (images built from Dockerfiles)", NotOffered.SNAPSHOTS);
        refuse(b, "code_mounts", "code mounts (repositories cloned at create)",
                "file_mounts, upload_file, or a git clone run with execute");
        refuse(b, "secrets", "RunLoop secrets", NotOffered.ENVIRONMENT);
        refuse(b, "gateways", "the agent gateway", NotOffered.ENVIRONMENT);
        refuse(b, "mcp", "the MCP hub", NotOffered.ENVIRONMENT);
        refuse(b, "mounts", "object and agent mounts", "file_mounts and upload_file");
        refuse(b, "tunnel", "tunnels", NotOffered.NETWORK);

        Map<String, String> labels = new LinkedHashMap<>(b.strings("metadata"));
        labels.keySet().stream().filter(k -> k.startsWith(DevboxViews.OWN_LABELS)).findFirst().ifPresent(k -> {
            throw Body.bad("metadata." + k, "uses the prefix '" + DevboxViews.OWN_LABELS + "', which ERA keeps for itself");
        });
        b.text("name").filter(n -> !n.isEmpty()).ifPresent(n -> labels.put(DevboxViews.NAME_LABEL, n));

        Resources resources = Resources.UNLIMITED;
        Duration idle = Duration.ZERO;
        List<String> commands = List.of();
        Optional<Body> launch = b.object("launch_parameters");
        if (launch.isPresent()) {
            Body p = launch.get();
            refuse(p, "user_parameters", "choosing the Linux user",
                    "ERA's unprivileged sandbox user, with a private /home");
            refuse(p, "network_policy_id", "network policies", "network none (the default) or host, per sandbox");
            refuse(p, "required_services", "containerized services", "run the service with execute_async");
            p.text("architecture").filter(a -> !a.equals(architecture())).ifPresent(a -> {
                throw Body.bad("launch_parameters.architecture", "is " + a + ", but this ERA host runs " + architecture());
            });
            resources = resources(p);
            idle = idle(p);
            commands = p.list("launch_commands");
        }
        List<String> entrypoint = b.text("entrypoint").filter(e -> !e.isBlank())
                .map(e -> List.of("/bin/bash", "-lc", e)).orElse(List.of());
        SandboxRequest r = new SandboxRequest("", "", "", resources, network, b.strings("environment_variables"), labels,
                idle, b.text("snapshot_id").orElse(""), entrypoint);
        return new Launch(r, b.strings("file_mounts"), commands);
    }

    private static void refuse(Body b, String field, String what, String nearest) {
        if (b.has(field) && !empty(b, field)) {
            throw NotOffered.feature(what + " (field '" + field + "')", nearest);
        }
    }

    /** An empty list or object asks for nothing, so the SDKs' defaults pass. */
    private static boolean empty(Body b, String field) {
        return b.get(field).map(v -> (v.isContainerNode() && v.isEmpty()) || (v.isTextual() && v.asText().isEmpty()))
                .orElse(true);
    }

    private static Resources resources(Body p) {
        Optional<String> size = p.text("resource_size_request").map(s -> s.toUpperCase(Locale.ROOT));
        double cpu;
        double gib;
        if (size.isEmpty()) {
            if (!p.has("custom_cpu_cores") && !p.has("custom_gb_memory")) {
                return Resources.UNLIMITED;
            }
            cpu = p.number("custom_cpu_cores").orElse(0.0);
            gib = p.number("custom_gb_memory").orElse(0.0);
        } else if (size.get().equals("CUSTOM_SIZE")) {
            cpu = p.number("custom_cpu_cores").orElseThrow(() -> Body.bad("launch_parameters.custom_cpu_cores",
                    "is required with CUSTOM_SIZE"));
            gib = p.number("custom_gb_memory").orElseThrow(() -> Body.bad("launch_parameters.custom_gb_memory",
                    "is required with CUSTOM_SIZE"));
        } else {
            double[] s = SIZES.get(size.get());
            if (s == null) {
                throw Body.bad("launch_parameters.resource_size_request", "must be one of " + String.join(", ",
                        new java.util.TreeSet<>(SIZES.keySet())) + " or CUSTOM_SIZE");
            }
            cpu = s[0];
            gib = s[1];
        }
        if (cpu < 0 || cpu > 1024 || gib < 0 || gib > 1024) {
            throw Body.bad("launch_parameters", "asks for " + cpu + " cores and " + gib + " GiB; both must be 0-1024");
        }
        return new Resources(cpu, (long) (gib * DevboxViews.GIB), 0);
    }

    /**
     * ERA suspends an idle sandbox (its workspace kept) instead of shutting it down, so both RunLoop's
     * after_idle and keep_alive_time_seconds become ERA's idle timeout.
     */
    private static Duration idle(Body p) {
        Optional<Body> afterIdle = p.object("after_idle")
                .or(() -> p.object("lifecycle").flatMap(l -> l.object("after_idle")));
        Optional<Double> seconds = afterIdle.flatMap(a -> a.number("idle_time_seconds"))
                .or(() -> p.number("keep_alive_time_seconds"));
        afterIdle.flatMap(a -> a.text("on_idle")).filter(o -> !o.equals("suspend") && !o.equals("shutdown"))
                .ifPresent(o -> {
                    throw Body.bad("launch_parameters.after_idle.on_idle", "must be suspend or shutdown");
                });
        if (seconds.isEmpty()) {
            return Duration.ZERO;
        }
        Duration d = Duration.ofMillis((long) (seconds.get() * 1000));
        if (d.isNegative() || d.compareTo(MAX_IDLE) > 0) {
            throw new BadRequestException("the idle time must be between 0 and 30 days, got " + seconds.get() + " s");
        }
        return d;
    }

    static String architecture() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "x86_64";
    }
}
