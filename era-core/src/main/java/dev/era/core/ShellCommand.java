package dev.era.core;

import dev.era.api.BadRequestException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns an {@link ExecRequest} into the argv run in the sandbox.
 *
 * <p>A single string is a shell command: {@code <shell> -lc <cmd>}, so pipes, globs and {@code cd}
 * work. Several strings are an argv, run as is. A <em>named shell</em> is emulated without a
 * resident process: each command runs in a fresh shell that first restores the exported
 * environment and working directory saved by the previous command of the same name (in
 * {@code $TMPDIR/.era/shells/<name>}, i.e. {@code /tmp/.era/shells} inside a sandbox), runs the
 * command in the same shell (with {@code eval}, so {@code cd} and {@code export} stick), and saves
 * them again on exit. The caller runs the commands of one name one at a time. The script is plain
 * POSIX sh, so it works with {@code /bin/sh} where bash is missing.
 */
final class ShellCommand {
    static final Pattern SHELL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    private ShellCommand() {
    }

    /**
     * @param shell the shell binary ({@code /bin/bash} or {@code /bin/sh})
     */
    static List<String> argv(ExecRequest r, String shell) {
        if (r.shell().isEmpty()) {
            return r.command().size() == 1 ? List.of(shell, "-lc", r.command().getFirst()) : r.command();
        }
        String cmd = r.command().size() == 1 ? r.command().getFirst() : join(r.command());
        return List.of(shell, "-lc", namedShellScript(r.shell(), r.env(), !r.workingDir().isEmpty()), "era-shell", cmd);
    }

    /** The display form of a command, for execution records. */
    static String display(List<String> command) {
        return command.size() == 1 ? command.getFirst() : join(command);
    }

    static String namedShellScript(String name, Map<String, String> env, boolean explicitDir) {
        StringBuilder s = new StringBuilder();
        s.append("__era_d=\"${TMPDIR:-/tmp}/.era/shells\"; __era_f=\"$__era_d/").append(name).append("\"\n");
        s.append("mkdir -p \"$__era_d\" 2>/dev/null\n");
        s.append("if [ -r \"$__era_f.env\" ]; then . \"$__era_f.env\" 2>/dev/null; fi\n");
        if (!explicitDir) {
            s.append("if [ -r \"$__era_f.cwd\" ]; then cd \"$(cat \"$__era_f.cwd\")\" 2>/dev/null; fi\n");
        }
        // the request's variables win over the saved ones, and are saved with them
        env.forEach((k, v) -> s.append("export ").append(k).append('=').append(quote(v)).append('\n'));
        s.append("__era_save() { export -p > \"$__era_f.env.$$\" 2>/dev/null && mv -f \"$__era_f.env.$$\" "
                + "\"$__era_f.env\"; pwd > \"$__era_f.cwd.$$\" 2>/dev/null && mv -f \"$__era_f.cwd.$$\" \"$__era_f.cwd\"; }\n");
        s.append("trap __era_save EXIT\n");
        s.append("__era_cmd=\"$1\"; shift\n");
        s.append("eval \"$__era_cmd\"\n");
        return s.toString();
    }

    /** Checks what the core (not the engine) must know to be safe: names, sizes, no NUL bytes. */
    static void validate(ExecRequest r, boolean needsCommand) {
        if (needsCommand && (r.command().isEmpty() || r.command().getFirst().isBlank())) {
            throw new BadRequestException("command is empty; give a shell command such as \"ls -la\" or an argv");
        }
        if (r.command().size() > 4096 || r.command().stream().anyMatch(a -> a.indexOf('\0') >= 0 || a.length() > 1 << 20)) {
            throw new BadRequestException("command has more than 4096 arguments, an argument over 1 MiB, or a NUL byte");
        }
        if (!r.shell().isEmpty() && !SHELL_NAME.matcher(r.shell()).matches()) {
            throw new BadRequestException("shell name '" + SpecCodec.clip(r.shell()) + "' must be 1-64 letters, digits,"
                    + " '_', '.' or '-', not starting with '.' or '-'", Map.of("shell", SpecCodec.clip(r.shell())));
        }
        r.env().forEach((k, v) -> {
            if (!ENV_NAME.matcher(k).matches() || v.indexOf('\0') >= 0) {
                throw new BadRequestException("environment variable '" + SpecCodec.clip(k) + "' needs a name of "
                        + "letters, digits and '_' (not starting with a digit) and a value without NUL bytes",
                        Map.of("env", SpecCodec.clip(k)));
            }
        });
        if (r.workingDir().indexOf('\0') >= 0 || List.of(r.workingDir().split("/")).contains("..")) {
            throw new BadRequestException("workingDir must be a path inside the sandbox without '..'");
        }
        if (r.timeout().isNegative() || r.maxOutputBytes() < 0) {
            throw new BadRequestException("timeout and maxOutputBytes must not be negative");
        }
        if (r.tty() && (r.rows() < 1 || r.rows() > 1000 || r.cols() < 1 || r.cols() > 1000)) {
            throw new BadRequestException("a terminal needs 1-1000 rows and columns, got " + r.rows() + "x" + r.cols());
        }
    }

    static boolean validEnvName(String name) {
        return ENV_NAME.matcher(name).matches();
    }

    /** POSIX single-quoting: safe for any byte string. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String join(List<String> argv) {
        List<String> quoted = new ArrayList<>();
        argv.forEach(a -> quoted.add(a.matches("[A-Za-z0-9_./:=@%+,-]+") ? a : quote(a)));
        return String.join(" ", quoted);
    }
}
