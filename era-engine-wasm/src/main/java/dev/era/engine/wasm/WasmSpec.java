package dev.era.engine.wasm;

import dev.era.api.ArtifactLocation;
import dev.era.api.AppSpec;
import dev.era.api.InvalidSpecException;
import dev.era.api.Probe;
import dev.era.api.Volume;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the wasm engine takes from a spec, checked once.
 *
 * @param source         where the module comes from
 * @param argv           WASI's argv: {@code command + args}, or the module's file name + {@code args} when the command is empty
 * @param env            WASI's environment: exactly the spec's {@code env}
 * @param preopens       guest directory (a volume's {@code mountPath}) to the volume it shows; the module sees nothing else
 * @param maxMemoryBytes the most linear memory the module may have
 * @param timeLimit      wall-clock limit of one run from {@value #TIME_LIMIT_ENV}; zero for none
 */
record WasmSpec(ArtifactLocation source, List<String> argv, Map<String, String> env, Map<String, Volume> preopens,
                long maxMemoryBytes, Duration timeLimit) {
    /**
     * The spec variable that limits how long one run may take ({@code 500ms}, {@code 30s}, {@code 5m},
     * {@code 2h} or ISO-8601 such as {@code PT1M}). An environment variable rather than a spec field
     * because the limit is the wasm engine's alone; the module sees it too, like every variable in {@code env}.
     */
    static final String TIME_LIMIT_ENV = "ERA_WASM_TIMEOUT";
    static final int PAGE = 64 << 10;
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    WasmSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        preopens = Map.copyOf(preopens);
    }

    static WasmSpec of(AppSpec spec, long defaultMaxMemoryBytes) {
        ArtifactLocation source = ModuleSource.of(spec.artifact());
        if (!spec.workingDir().isEmpty()) {
            throw new InvalidSpecException("workingDir", "a WASI module has no working directory on the host; leave "
                    + "workingDir empty and mount a volume (volumes[].mountPath) for the files it needs");
        }
        if (spec.resources().cpu() > 0) {
            throw new InvalidSpecException("resources.cpu", "the wasm engine cannot limit CPU (a module runs on one "
                    + "thread of the daemon); remove resources.cpu and set env " + TIME_LIMIT_ENV + " to bound a run's time");
        }
        switch (spec.health().probe()) {
            case Probe.Http h -> throw noSockets("http");
            case Probe.Tcp t -> throw noSockets("tcp");
            default -> { }
        }
        Map<String, Volume> preopens = new LinkedHashMap<>();
        for (Volume v : spec.volumes()) {
            if (!VOLUME_NAME.matcher(v.name()).matches()) {
                throw new InvalidSpecException("volumes", "volume name '" + v.name() + "' must be letters, digits, '_', '.' "
                        + "or '-', starting with a letter or digit; it names a directory");
            }
            if (!v.mountPath().startsWith("/") || v.mountPath().contains("\0")) {
                throw new InvalidSpecException("volumes", "mountPath '" + v.mountPath() + "' of volume '" + v.name()
                        + "' must be an absolute guest path such as /data");
            }
            if (v.readOnly()) {
                throw new InvalidSpecException("volumes", "volume '" + v.name() + "' is readOnly, which the wasm engine cannot "
                        + "enforce (Chicory's WASI preopens are always writable); remove readOnly or use the process engine");
            }
            if (preopens.put(v.mountPath(), v) != null) {
                throw new InvalidSpecException("volumes", "two volumes are mounted at " + v.mountPath() + "; give each its own mountPath");
            }
        }
        long memory = spec.resources().memoryBytes() > 0 ? spec.resources().memoryBytes() : defaultMaxMemoryBytes;
        if (memory < PAGE) {
            throw new InvalidSpecException("resources.memory", "is " + memory + " bytes, less than one 64 KiB WebAssembly "
                    + "page; give at least 64Ki");
        }
        List<String> argv = spec.command().isEmpty()
                ? Stream.concat(Stream.of(ModuleSource.name(source)), spec.args().stream()).toList()
                : spec.argv();
        return new WasmSpec(source, argv, spec.env(), preopens, memory, timeLimit(spec.env().get(TIME_LIMIT_ENV)));
    }

    /** The most 64 KiB pages the module's memory may hold. */
    int maxPages() {
        return (int) Math.min(maxMemoryBytes / PAGE, 1 << 16);
    }

    private static Duration timeLimit(String value) {
        if (value == null) {
            return Duration.ZERO;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        Duration d;
        Matcher m = SIMPLE_DURATION.matcher(v);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } else {
                d = Duration.parse(v.toUpperCase(Locale.ROOT));
            }
        } catch (DateTimeParseException e) {
            d = Duration.ZERO;
        }
        if (d.isZero() || d.isNegative()) {
            throw new InvalidSpecException("env." + TIME_LIMIT_ENV, "'" + value + "' is not a positive duration; write it "
                    + "as 500ms, 30s, 5m, 2h or PT1M, or remove it for no time limit");
        }
        return d;
    }

    private static InvalidSpecException noSockets(String probe) {
        return new InvalidSpecException("health.probe", "a " + probe + " probe needs a socket the module listens on, and "
                + "WASI preview 1 modules cannot listen; remove the probe (health then follows whether the module runs) "
                + "or use an exec probe");
    }
}
