package dev.era.engine.agents;

import dev.era.api.ArtifactLocation;
import dev.era.api.AppSpec;
import dev.era.api.InvalidSpecException;
import dev.era.api.Probe;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the agents engine takes from a spec, checked once. The runtime's limits come from
 * {@code env} (as the wasm engine's time limit does), because they are this engine's alone:
 * {@value #IDLE_ENV}, {@value #MAX_ACTIVE_ENV}, {@value #MAX_TICK_ENV}.
 *
 * @param idleTimeout an agent without a tick this long hibernates; empty for the runtime's default (1 minute)
 * @param maxActive   at most this many agents stay loaded; empty for the default (100,000)
 * @param maxTick     a longer tick is interrupted and fails; empty for the default (30 s)
 */
record AgentsSpec(ArtifactLocation source, Optional<Duration> idleTimeout, Optional<Integer> maxActive,
                  Optional<Duration> maxTick) {
    static final String IDLE_ENV = "ERA_AGENTS_IDLE_TIMEOUT";
    static final String MAX_ACTIVE_ENV = "ERA_AGENTS_MAX_ACTIVE";
    static final String MAX_TICK_ENV = "ERA_AGENTS_MAX_TICK";
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    static AgentsSpec of(AppSpec spec) {
        ArtifactLocation source = PackageSource.of(spec.artifact());
        if (!spec.argv().isEmpty()) {
            throw new InvalidSpecException("command", "the agents engine runs no command: the jar's "
                    + "META-INF/services/dev.era.agent.AgentPackage names its agent types; remove command and args");
        }
        if (!spec.workingDir().isEmpty()) {
            throw new InvalidSpecException("workingDir", "agents have no working directory; remove workingDir "
                    + "(agents keep data in their state and KV)");
        }
        if (!spec.volumes().isEmpty()) {
            throw new InvalidSpecException("volumes", "agents cannot mount volumes; remove volumes (agents keep data "
                    + "in their state and KV, stored with the deployment)");
        }
        if (spec.resources().limited()) {
            throw new InvalidSpecException("resources", "the agents engine cannot enforce resource limits (agents run "
                    + "inside the daemon); remove resources and bound agents with env " + MAX_ACTIVE_ENV + " and "
                    + MAX_TICK_ENV);
        }
        if (!(spec.health().probe() instanceof Probe.None)) {
            throw new InvalidSpecException("health.probe", "an agent package has no process or port to probe; remove "
                    + "the probe (health follows whether the package is loaded)");
        }
        return new AgentsSpec(source, duration(spec, IDLE_ENV), count(spec, MAX_ACTIVE_ENV), duration(spec, MAX_TICK_ENV));
    }

    private static Optional<Integer> count(AppSpec spec, String name) {
        String value = spec.env().get(name);
        if (value == null) {
            return Optional.empty();
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 1) {
                return Optional.of(n);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidSpecException("env." + name, "'" + value + "' is not a whole number of at least 1");
    }

    private static Optional<Duration> duration(AppSpec spec, String name) {
        String value = spec.env().get(name);
        if (value == null) {
            return Optional.empty();
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
            throw new InvalidSpecException("env." + name, "'" + value + "' is not a positive duration; write it as "
                    + "500ms, 30s, 5m, 2h or PT1M, or remove it for the default");
        }
        return Optional.of(d);
    }
}
