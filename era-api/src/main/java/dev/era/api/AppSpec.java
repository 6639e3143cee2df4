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
 */
public record AppSpec(String name, String engine, String artifact, List<String> command, List<String> args,
                      Map<String, String> env, String workingDir, Resources resources, HealthCheck health,
                      RestartPolicy restart, List<Volume> volumes, Duration stopTimeout, Isolation isolation) {
    public AppSpec {
        command = List.copyOf(command);
        args = List.copyOf(args);
        env = Map.copyOf(env);
        volumes = List.copyOf(volumes);
    }

    /** {@code command} followed by {@code args}. */
    public List<String> argv() {
        return java.util.stream.Stream.concat(command.stream(), args.stream()).toList();
    }
}
