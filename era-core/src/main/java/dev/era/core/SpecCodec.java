package dev.era.core;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.era.api.AppSpec;
import dev.era.api.HealthCheck;
import dev.era.api.InvalidSpecException;
import dev.era.api.Isolation;
import dev.era.api.Probe;
import dev.era.api.Resources;
import dev.era.api.RestartPolicy;
import dev.era.api.UpdatePolicy;
import dev.era.api.Volume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads specs from YAML or JSON and writes them as canonical JSON. Every field is checked at this
 * edge: an unknown field, a wrong type or an out-of-range value throws {@link InvalidSpecException}
 * naming the field (as a path like {@code resources.memory}) and what a good value looks like.
 * {@code parse(write(spec))} equals {@code spec}.
 */
public final class SpecCodec {
    public static final int MAX_SPEC_BYTES = 256 * 1024;
    static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern ENGINE = Pattern.compile("[a-z0-9][-a-z0-9]{0,31}");
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})(Ki|Mi|Gi|Ti|K|M|G|T)?");
    private static final long MAX_MEMORY = 1L << 40;
    private static final long MIN_MEMORY = 4L << 20;

    private static final Set<String> TOP = Set.of("name", "engine", "artifact", "command", "args", "env",
            "workingDir", "resources", "health", "restart", "volumes", "stopTimeout", "isolation", "port", "update");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML;

    static {
        YAMLFactory factory = YAMLFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build();
        YAML = new YAMLMapper(factory);
    }

    private SpecCodec() {
    }

    /** Parses YAML (a superset of JSON, so JSON bodies parse too). */
    public static AppSpec parse(String text) {
        if (text.length() > MAX_SPEC_BYTES) {
            throw new InvalidSpecException("(document)", "the spec is " + text.length()
                    + " characters; the limit is " + MAX_SPEC_BYTES);
        }
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            throw new InvalidSpecException("(document)", "not valid YAML or JSON" + where + ": "
                    + e.getOriginalMessage());
        } catch (RuntimeException e) {
            throw new InvalidSpecException("(document)", "not valid YAML or JSON: " + e.getMessage());
        }
        return parse(root);
    }

    /**
     * Reads a spec this codec wrote ({@link #write}): JSON, read with Jackson's JSON parser, which is
     * several times faster than its YAML one (a daemon restart reads every stored spec).
     */
    public static AppSpec parseStored(String json) {
        try {
            return parse(JSON.readTree(json));
        } catch (JacksonException e) {
            throw new InvalidSpecException("(document)", "a stored spec is not valid JSON: " + e.getOriginalMessage());
        }
    }

    public static AppSpec parse(JsonNode root) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new InvalidSpecException("(document)", "the spec is empty; give at least name and command");
        }
        SpecFields o = new SpecFields("", root);
        o.onlyKnown(TOP);
        String name = o.requiredText("name");
        if (!NAME.matcher(name).matches()) {
            throw new InvalidSpecException("name", "'" + clip(name) + "' is not a valid name; use 1-63 lower-case"
                    + " letters, digits and '-', starting and ending with a letter or digit");
        }
        String engine = o.text("engine", "process");
        if (!ENGINE.matcher(engine).matches()) {
            throw new InvalidSpecException("engine", "'" + clip(engine) + "' is not an engine name; see GET /plugins");
        }
        String artifact = o.text("artifact", "");
        List<String> command = o.strings("command", 256);
        List<String> args = o.strings("args", 4096);
        Map<String, String> env = o.env("env");
        String workingDir = o.text("workingDir", "");
        Resources resources = resources(o.object("resources"));
        HealthCheck health = health(o.object("health"));
        RestartPolicy restart = restart(o.object("restart"));
        List<Volume> volumes = volumes(o);
        Duration stopTimeout = o.duration("stopTimeout", Duration.ofSeconds(10), Duration.ofMinutes(5));
        Isolation isolation = isolation(o.object("isolation"));
        int port = o.has("port") ? (int) o.number("port", 0, 1, 65535) : 0;
        UpdatePolicy update = update(o.object("update"), port, health);
        if (port > 0 && env.containsKey("PORT")) {
            throw new InvalidSpecException("env.PORT", "is set by ERA when the spec has a port (each version gets"
                    + " its own port in $PORT, and the daemon forwards port " + port + " to it); remove env.PORT");
        }
        return new AppSpec(name, engine, artifact, command, args, env, workingDir, resources, health, restart,
                volumes, stopTimeout, isolation, port, update);
    }

    private static UpdatePolicy update(SpecFields o, int port, HealthCheck health) {
        UpdatePolicy.Strategy byDefault = port > 0 ? UpdatePolicy.Strategy.BLUE_GREEN : UpdatePolicy.Strategy.RECREATE;
        UpdatePolicy d = UpdatePolicy.DEFAULT;
        if (o == null) {
            return new UpdatePolicy(byDefault, d.healthyDeadline(), d.minHealthyTime());
        }
        o.onlyKnown(Set.of("strategy", "healthyDeadline", "minHealthyTime"));
        String name = o.text("strategy", byDefault == UpdatePolicy.Strategy.BLUE_GREEN ? "blue-green" : "recreate");
        UpdatePolicy.Strategy strategy = switch (name) {
            case "blue-green" -> UpdatePolicy.Strategy.BLUE_GREEN;
            case "recreate" -> UpdatePolicy.Strategy.RECREATE;
            default -> throw new InvalidSpecException(o.path("strategy"), "'" + clip(name)
                    + "' is not a strategy; use blue-green or recreate");
        };
        boolean fixedPortProbe = health.probe() instanceof Probe.Http || health.probe() instanceof Probe.Tcp;
        if (strategy == UpdatePolicy.Strategy.BLUE_GREEN && port == 0 && fixedPortProbe) {
            throw new InvalidSpecException(o.path("strategy"), "blue-green runs the new version beside the old one,"
                    + " so both cannot listen on the health probe's fixed port; set `port` (ERA then gives each"
                    + " version its own port in $PORT and forwards the public port to the one serving) or use"
                    + " strategy: recreate");
        }
        Duration deadline = positive(o, "healthyDeadline", o.duration("healthyDeadline", d.healthyDeadline(),
                Duration.ofHours(1)));
        Duration minHealthy = o.duration("minHealthyTime", d.minHealthyTime(), Duration.ofHours(1));
        if (minHealthy.compareTo(deadline) >= 0) {
            throw new InvalidSpecException(o.path("minHealthyTime"), "must be shorter than healthyDeadline ("
                    + duration(deadline) + "), or the new version could never be accepted");
        }
        return new UpdatePolicy(strategy, deadline, minHealthy);
    }

    private static Isolation isolation(SpecFields o) {
        if (o == null) {
            return Isolation.NONE;
        }
        o.onlyKnown(Set.of("mode", "network"));
        Isolation.Mode mode = switch (o.text("mode", "none")) {
            case "none" -> Isolation.Mode.NONE;
            case "sandbox" -> Isolation.Mode.SANDBOX;
            default -> throw new InvalidSpecException(o.path("mode"), "use none or sandbox");
        };
        String defaultNet = mode == Isolation.Mode.SANDBOX ? "none" : "host";
        Isolation.Network network = switch (o.text("network", defaultNet)) {
            case "none" -> Isolation.Network.NONE;
            case "host" -> Isolation.Network.HOST;
            default -> throw new InvalidSpecException(o.path("network"), "use none or host");
        };
        return new Isolation(mode, network);
    }

    private static Resources resources(SpecFields o) {
        if (o == null) {
            return Resources.UNLIMITED;
        }
        o.onlyKnown(Set.of("cpu", "memory", "pids"));
        double cpu = o.number("cpu", 0, 0, 1024);
        long memory = o.size("memory");
        if (memory != 0 && (memory < MIN_MEMORY || memory > MAX_MEMORY)) {
            throw new InvalidSpecException(o.path("memory"), "must be between 4Mi and 1Ti (or 0 for no limit)");
        }
        int pids = (int) o.number("pids", 0, 0, 1_000_000);
        if (pids != 0 && pids < 4) {
            throw new InvalidSpecException(o.path("pids"), "must be at least 4 (or 0 for no limit)");
        }
        return new Resources(cpu, memory, pids);
    }

    private static HealthCheck health(SpecFields o) {
        if (o == null) {
            return HealthCheck.NONE;
        }
        o.onlyKnown(Set.of("http", "tcp", "exec", "initialDelay", "interval", "timeout", "successThreshold",
                "failureThreshold", "deadline"));
        List<Probe> probes = new ArrayList<>();
        SpecFields http = o.object("http");
        if (http != null) {
            http.onlyKnown(Set.of("port", "path"));
            String path = http.text("path", "/");
            if (!path.startsWith("/")) {
                throw new InvalidSpecException(http.path("path"), "must start with '/'");
            }
            probes.add(new Probe.Http(port(http), path));
        }
        SpecFields tcp = o.object("tcp");
        if (tcp != null) {
            tcp.onlyKnown(Set.of("port"));
            probes.add(new Probe.Tcp(port(tcp)));
        }
        SpecFields exec = o.object("exec");
        if (exec != null) {
            exec.onlyKnown(Set.of("command"));
            List<String> cmd = exec.strings("command", 256);
            if (cmd.isEmpty()) {
                throw new InvalidSpecException(exec.path("command"), "must name a program to run");
            }
            probes.add(new Probe.Exec(cmd));
        }
        if (probes.size() > 1) {
            throw new InvalidSpecException(o.path(""), "give one probe: http, tcp or exec, not several");
        }
        Probe probe = probes.isEmpty() ? Probe.NONE : probes.getFirst();
        HealthCheck d = HealthCheck.NONE;
        return new HealthCheck(probe,
                o.duration("initialDelay", d.initialDelay(), Duration.ofMinutes(10)),
                positive(o, "interval", o.duration("interval", d.interval(), Duration.ofMinutes(10))),
                positive(o, "timeout", o.duration("timeout", d.timeout(), Duration.ofMinutes(5))),
                (int) o.number("successThreshold", d.successThreshold(), 1, 100),
                (int) o.number("failureThreshold", d.failureThreshold(), 1, 100),
                positive(o, "deadline", o.duration("deadline", d.deadline(), Duration.ofHours(1))));
    }

    private static Duration positive(SpecFields o, String field, Duration d) {
        if (d.isZero()) {
            throw new InvalidSpecException(o.path(field), "must be longer than 0");
        }
        return d;
    }

    private static int port(SpecFields o) {
        if (!o.has("port")) {
            throw new InvalidSpecException(o.path("port"), "is required: the port the app listens on (1-65535)");
        }
        return (int) o.number("port", 0, 1, 65535);
    }

    private static RestartPolicy restart(SpecFields o) {
        RestartPolicy d = RestartPolicy.DEFAULT;
        if (o == null) {
            return d;
        }
        o.onlyKnown(Set.of("policy", "maxRetries", "backoff", "maxBackoff", "resetAfter"));
        String policy = o.text("policy", "on-failure");
        RestartPolicy.Mode mode = switch (policy) {
            case "never" -> RestartPolicy.Mode.NEVER;
            case "on-failure" -> RestartPolicy.Mode.ON_FAILURE;
            case "always" -> RestartPolicy.Mode.ALWAYS;
            default -> throw new InvalidSpecException(o.path("policy"), "'" + clip(policy)
                    + "' is not a policy; use never, on-failure or always");
        };
        Duration backoff = positive(o, "backoff", o.duration("backoff", d.initialBackoff(), Duration.ofMinutes(10)));
        Duration maxBackoff = o.duration("maxBackoff", d.maxBackoff().compareTo(backoff) < 0 ? backoff
                : d.maxBackoff(), Duration.ofHours(1));
        if (maxBackoff.compareTo(backoff) < 0) {
            throw new InvalidSpecException(o.path("maxBackoff"), "must not be shorter than backoff (" + backoff + ")");
        }
        return new RestartPolicy(mode, (int) o.number("maxRetries", d.maxRetries(), 0, 1000), backoff, maxBackoff,
                o.duration("resetAfter", d.resetAfter(), Duration.ofHours(24)));
    }

    private static List<Volume> volumes(SpecFields top) {
        JsonNode node = top.node.get("volumes");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new InvalidSpecException("volumes", "must be a list of {name, mountPath, readOnly}");
        }
        if (node.size() > 64) {
            throw new InvalidSpecException("volumes", "has " + node.size() + " entries; the limit is 64");
        }
        List<Volume> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            SpecFields v = new SpecFields("volumes[" + i + "]", node.get(i));
            v.onlyKnown(Set.of("name", "mountPath", "readOnly"));
            String name = v.requiredText("name");
            if (!NAME.matcher(name).matches()) {
                throw new InvalidSpecException(v.path("name"), "use lower-case letters, digits and '-'");
            }
            if (!names.add(name)) {
                throw new InvalidSpecException(v.path("name"), "'" + name + "' is used by two volumes");
            }
            String mount = v.text("mountPath", "/" + name);
            if (!mount.startsWith("/") || mount.contains("/../") || mount.endsWith("/..") || mount.indexOf('\0') >= 0) {
                throw new InvalidSpecException(v.path("mountPath"), "must be an absolute path without '..'");
            }
            out.add(new Volume(name, mount, v.bool("readOnly", false)));
        }
        return out;
    }

    /** Canonical JSON of the spec; {@link #parse} reads it back to an equal spec. */
    public static String write(AppSpec spec) {
        return toTree(spec).toString();
    }

    public static ObjectNode toTree(AppSpec s) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("name", s.name());
        o.put("engine", s.engine());
        if (!s.artifact().isEmpty()) {
            o.put("artifact", s.artifact());
        }
        strings(o.putArray("command"), s.command());
        if (!s.args().isEmpty()) {
            strings(o.putArray("args"), s.args());
        }
        if (!s.env().isEmpty()) {
            ObjectNode env = o.putObject("env");
            new java.util.TreeMap<>(s.env()).forEach(env::put);
        }
        if (!s.workingDir().isEmpty()) {
            o.put("workingDir", s.workingDir());
        }
        if (s.resources().limited()) {
            ObjectNode r = o.putObject("resources");
            r.put("cpu", s.resources().cpu());
            r.put("memory", String.valueOf(s.resources().memoryBytes()));
            r.put("pids", s.resources().pids());
        }
        HealthCheck h = s.health();
        ObjectNode ho = o.putObject("health");
        switch (h.probe()) {
            case Probe.None none -> { }
            case Probe.Http http -> ho.putObject("http").put("port", http.port()).put("path", http.path());
            case Probe.Tcp tcp -> ho.putObject("tcp").put("port", tcp.port());
            case Probe.Exec exec -> strings(ho.putObject("exec").putArray("command"), exec.command());
        }
        ho.put("initialDelay", duration(h.initialDelay()));
        ho.put("interval", duration(h.interval()));
        ho.put("timeout", duration(h.timeout()));
        ho.put("successThreshold", h.successThreshold());
        ho.put("failureThreshold", h.failureThreshold());
        ho.put("deadline", duration(h.deadline()));
        RestartPolicy r = s.restart();
        ObjectNode ro = o.putObject("restart");
        ro.put("policy", r.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        ro.put("maxRetries", r.maxRetries());
        ro.put("backoff", duration(r.initialBackoff()));
        ro.put("maxBackoff", duration(r.maxBackoff()));
        ro.put("resetAfter", duration(r.resetAfter()));
        if (!s.volumes().isEmpty()) {
            ArrayNode vs = o.putArray("volumes");
            for (Volume v : s.volumes()) {
                vs.addObject().put("name", v.name()).put("mountPath", v.mountPath()).put("readOnly", v.readOnly());
            }
        }
        o.put("stopTimeout", duration(s.stopTimeout()));
        if (s.port() > 0) {
            o.put("port", s.port());
        }
        o.putObject("update")
                .put("strategy", s.update().strategy() == UpdatePolicy.Strategy.BLUE_GREEN ? "blue-green" : "recreate")
                .put("healthyDeadline", duration(s.update().healthyDeadline()))
                .put("minHealthyTime", duration(s.update().minHealthyTime()));
        if (!s.isolation().equals(Isolation.NONE)) {
            o.putObject("isolation").put("mode", s.isolation().mode().name().toLowerCase(java.util.Locale.ROOT))
                    .put("network", s.isolation().network().name().toLowerCase(java.util.Locale.ROOT));
        }
        return o;
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    /** Formats a duration the way specs write it ({@code 1500ms}, {@code 2s}). */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** Parses {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}. */
    public static Duration parseDuration(String field, String text) {
        var m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new InvalidSpecException(field, "'" + clip(text) + "' is not a duration; write it like 500ms, 2s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    static long parseSize(String field, String text) {
        var m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new InvalidSpecException(field, "'" + clip(text) + "' is not a size; write it like 256Mi, 1Gi or 500M");
        }
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2) == null ? "" : m.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "K" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            case "T" -> 1_000_000_000_000L;
            default -> 1L;
        };
        if (n > Long.MAX_VALUE / unit) {
            throw new InvalidSpecException(field, "'" + clip(text) + "' is too large");
        }
        return n * unit;
    }

    static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

}
