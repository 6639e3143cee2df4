package dev.era.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A command to run in a sandbox. Start from {@link #shell(String)} (run by the sandbox's bash, so
 * pipes and {@code cd} work) or {@link #argv(String...)}, then add what you need with the
 * {@code with...} methods.
 *
 * @param shell          a named shell: commands with the same name share working directory and
 *                       exported environment; empty for a fresh one
 * @param timeout        killed after this long; zero for the daemon's default
 * @param maxOutputBytes kept per stream in the answer; 0 for the daemon's default (1 MiB)
 */
public record ExecSpec(List<String> command, String shell, Map<String, String> env, String workingDir,
                       Duration timeout, long maxOutputBytes) {
    public ExecSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("a command is needed");
        }
    }

    /** A command line for bash, such as {@code "make test | tail"}. */
    public static ExecSpec shell(String commandLine) {
        return new ExecSpec(List.of(commandLine), "", Map.of(), "", Duration.ZERO, 0);
    }

    /** A program and its arguments, run without a shell (a single element is read as a command line). */
    public static ExecSpec argv(String... argv) {
        return new ExecSpec(List.of(argv), "", Map.of(), "", Duration.ZERO, 0);
    }

    public ExecSpec inShell(String name) {
        return new ExecSpec(command, Objects.requireNonNull(name), env, workingDir, timeout, maxOutputBytes);
    }

    public ExecSpec withEnv(Map<String, String> env) {
        return new ExecSpec(command, shell, env, workingDir, timeout, maxOutputBytes);
    }

    public ExecSpec withWorkingDir(String dir) {
        return new ExecSpec(command, shell, env, Objects.requireNonNull(dir), timeout, maxOutputBytes);
    }

    public ExecSpec withTimeout(Duration timeout) {
        return new ExecSpec(command, shell, env, workingDir, Objects.requireNonNull(timeout), maxOutputBytes);
    }

    public ExecSpec withMaxOutputBytes(long bytes) {
        return new ExecSpec(command, shell, env, workingDir, timeout, bytes);
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (command.size() == 1) {
            o.put("command", command.getFirst());
        } else {
            ArrayNode a = o.putArray("command");
            command.forEach(a::add);
        }
        if (!shell.isEmpty()) {
            o.put("shell", shell);
        }
        if (!env.isEmpty()) {
            env.forEach(o.putObject("env")::put);
        }
        if (!workingDir.isEmpty()) {
            o.put("workingDir", workingDir);
        }
        if (!timeout.isZero()) {
            o.put("timeout", timeout.toMillis() + "ms");
        }
        if (maxOutputBytes > 0) {
            o.put("maxOutputBytes", maxOutputBytes);
        }
        return o;
    }
}
