package dev.era.api;

import java.util.List;
import java.util.Map;

/**
 * A command to run inside running work (a sandbox).
 *
 * @param workingDir a path inside the work's filesystem; empty means the work's default ({@code /workspace})
 * @param tty        run it on a new pseudo-terminal of {@code rows} x {@code cols} (stdout carries the
 *                   terminal's output, stderr is empty)
 */
public record ExecSpec(List<String> command, Map<String, String> env, String workingDir, boolean tty, int rows,
                       int cols) {
    public ExecSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("an exec needs a command");
        }
    }

    public static ExecSpec of(String... command) {
        return new ExecSpec(List.of(command), Map.of(), "", false, 24, 80);
    }
}
