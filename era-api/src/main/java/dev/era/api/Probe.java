package dev.era.api;

import java.util.List;

/** How health is checked. {@link None} means "healthy as soon as the process runs". */
public sealed interface Probe {
    record None() implements Probe {}

    /** GET {@code http://127.0.0.1:port/path}; a 2xx or 3xx answer is healthy. */
    record Http(int port, String path) implements Probe {}

    /** A TCP connect to {@code 127.0.0.1:port} succeeds. */
    record Tcp(int port) implements Probe {}

    /** The command, run in the deployment's working directory, exits 0. */
    record Exec(List<String> command) implements Probe {
        public Exec {
            command = List.copyOf(command);
        }
    }

    Probe NONE = new None();
}
