package dev.era.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to ask for when creating a sandbox; build one with {@link #builder()}. Unset values are the
 * daemon's defaults. The daemon checks the values: a bad one fails the create with a 400 naming it.
 *
 * @param memory a size such as {@code 512Mi} or {@code 1Gi}; empty for no limit
 */
public record SandboxSpec(String name, String engine, String image, double cpu, String memory, int pids,
                          String network, Map<String, String> env, Map<String, String> labels, Duration idleTimeout,
                          String fromSnapshot, List<String> command) {
    public SandboxSpec {
        env = Map.copyOf(env);
        labels = Map.copyOf(labels);
        command = List.copyOf(command);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The request body of {@code POST /sandboxes}. */
    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        putIf(o, "name", name);
        putIf(o, "engine", engine);
        putIf(o, "image", image);
        if (cpu > 0 || !memory.isEmpty() || pids > 0) {
            ObjectNode r = o.putObject("resources");
            if (cpu > 0) {
                r.put("cpu", cpu);
            }
            putIf(r, "memory", memory);
            if (pids > 0) {
                r.put("pids", pids);
            }
        }
        putIf(o, "network", network);
        if (!env.isEmpty()) {
            env.forEach(o.putObject("env")::put);
        }
        if (!labels.isEmpty()) {
            labels.forEach(o.putObject("labels")::put);
        }
        if (!idleTimeout.isZero()) {
            o.put("idleTimeout", idleTimeout.toMillis() + "ms");
        }
        putIf(o, "fromSnapshot", fromSnapshot);
        if (!command.isEmpty()) {
            ArrayNode a = o.putArray("command");
            command.forEach(a::add);
        }
        return o;
    }

    private static void putIf(ObjectNode o, String field, String value) {
        if (!value.isEmpty()) {
            o.put(field, value);
        }
    }

    /** Collects the values of a {@link SandboxSpec}; every setter is optional. */
    public static final class Builder {
        private String name = "";
        private String engine = "";
        private String image = "";
        private double cpu;
        private String memory = "";
        private int pids;
        private String network = "";
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private Duration idleTimeout = Duration.ZERO;
        private String fromSnapshot = "";
        private List<String> command = List.of();

        private Builder() {
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        public Builder engine(String engine) {
            this.engine = Objects.requireNonNull(engine);
            return this;
        }

        public Builder image(String image) {
            this.image = Objects.requireNonNull(image);
            return this;
        }

        /** @param cores such as 0.5 or 2 */
        public Builder cpu(double cores) {
            this.cpu = cores;
            return this;
        }

        /** @param size such as {@code 512Mi} or {@code 1Gi} */
        public Builder memory(String size) {
            this.memory = Objects.requireNonNull(size);
            return this;
        }

        public Builder pids(int pids) {
            this.pids = pids;
            return this;
        }

        /** @param network {@code none} or {@code host} */
        public Builder network(String network) {
            this.network = Objects.requireNonNull(network);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Objects.requireNonNull(idleTimeout);
            return this;
        }

        public Builder fromSnapshot(String snapshotId) {
            this.fromSnapshot = Objects.requireNonNull(snapshotId);
            return this;
        }

        public Builder command(List<String> argv) {
            this.command = List.copyOf(argv);
            return this;
        }

        public SandboxSpec build() {
            return new SandboxSpec(name, engine, image, cpu, memory, pids, network, env, labels, idleTimeout,
                    fromSnapshot, command);
        }
    }
}
