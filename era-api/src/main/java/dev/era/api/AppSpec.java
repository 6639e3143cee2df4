package dev.era.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the user asks to run. Built by the spec codec from YAML or JSON, which checks every field;
 * the constructor only normalises collections.
 *
 * @param name        unique per tenant; a DNS label
 * @param engine      the engine that runs it ({@code process} by default)
 * @param artifact    what the engine fetches (a file path or URL, an image reference); empty for none
 * @param command     the program and its first arguments
 * @param args        further arguments appended to {@code command}
 * @param env         environment variables
 * @param workingDir  where the command starts; empty means the deployment's install directory
 * @param resources   kernel-enforced limits
 * @param health      health probe
 * @param restart     restart policy
 * @param volumes     persistent named directories
 * @param stopTimeout how long a stop waits after SIGTERM before SIGKILL
 * @param isolation   plain process or sandbox, and the network it gets
 * @param port        the public port the daemon listens on and forwards to the version that serves
 *                    (each version listens on its own port, given in {@code $PORT}); 0 for none
 * @param update      how an update to a new version proceeds
 */
public record AppSpec(String name, String engine, String artifact, List<String> command, List<String> args,
                      Map<String, String> env, String workingDir, Resources resources, HealthCheck health,
                      RestartPolicy restart, List<Volume> volumes, Duration stopTimeout, Isolation isolation,
                      int port, UpdatePolicy update) {
    public AppSpec {
        command = List.copyOf(command);
        args = List.copyOf(args);
        env = Map.copyOf(env);
        volumes = List.copyOf(volumes);
    }

    /** A spec without a public port, updated by {@link UpdatePolicy#DEFAULT}. */
    public AppSpec(String name, String engine, String artifact, List<String> command, List<String> args,
                   Map<String, String> env, String workingDir, Resources resources, HealthCheck health,
                   RestartPolicy restart, List<Volume> volumes, Duration stopTimeout, Isolation isolation) {
        this(name, engine, artifact, command, args, env, workingDir, resources, health, restart, volumes, stopTimeout,
                isolation, 0, UpdatePolicy.DEFAULT);
    }

    /** The same spec with other environment variables. */
    public AppSpec withEnv(Map<String, String> newEnv) {
        return new AppSpec(name, engine, artifact, command, args, newEnv, workingDir, resources, health, restart,
                volumes, stopTimeout, isolation, port, update);
    }

    /** The same spec with another health check. */
    public AppSpec withHealth(HealthCheck newHealth) {
        return new AppSpec(name, engine, artifact, command, args, env, workingDir, resources, newHealth, restart,
                volumes, stopTimeout, isolation, port, update);
    }

    /** {@code command} followed by {@code args}. */
    public List<String> argv() {
        return java.util.stream.Stream.concat(command.stream(), args.stream()).toList();
    }
}
