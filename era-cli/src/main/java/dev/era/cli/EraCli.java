package dev.era.cli;

import dev.era.client.DaemonUnavailableException;
import dev.era.client.EraClientException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds and runs the {@code era} command line. The daemon module adds its {@code serve} command
 * with {@code EraCli.commandLine().addSubcommand(...)}. Nothing here calls System.exit.
 *
 * <p>Exit codes: 0 success, 1 the daemon refused or the operation failed, 2 bad usage, 3 no daemon
 * could be reached.
 */
public final class EraCli {
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    private EraCli() {
    }

    /** The command line with every client command, reading ERA_* variables from this process's environment. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv(), Path.of(System.getProperty("user.home", ".")), Stdio.system());
    }

    /** Runs the command and returns its exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Environment and home directory are passed in so that nothing deeper reads process state. */
    static CommandLine commandLine(Map<String, String> env, Path home, Stdio stdio) {
        CommandLine cl = new CommandLine(new EraCommand(env, home, stdio));
        cl.setExecutionExceptionHandler(EraCli::failure);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    static int run(PrintWriter out, PrintWriter err, Map<String, String> env, Path home, String... args) {
        return run(Stdio.of(java.io.InputStream.nullInputStream(), out, err), out, err, env, home, args);
    }

    /** Runs with the given byte streams (commands that pass bytes through use them as they are). */
    static int run(Stdio stdio, Map<String, String> env, Path home, String... args) {
        return run(stdio, writer(stdio.out()), writer(stdio.err()), env, home, args);
    }

    private static int run(Stdio stdio, PrintWriter out, PrintWriter err, Map<String, String> env, Path home,
                           String... args) {
        CommandLine cl = commandLine(env, home, stdio);
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int failure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        int code = switch (e) {
            case DaemonUnavailableException d -> {
                err.println(d.target().startsWith("http")
                        ? "error: no ERA daemon at " + d.target() + "; check --url (or ERA_URL) and that the daemon runs"
                        : "error: no ERA daemon at " + d.target() + "; start one with `era serve`");
                yield UNREACHABLE;
            }
            case EraClientException c -> {
                err.println("error: " + c.getMessage());
                yield FAILED;
            }
            case CliException c -> {
                err.println("error: " + c.getMessage());
                yield c.exitCode();
            }
            default -> {
                err.println("error: " + e);
                yield FAILED;
            }
        };
        err.flush();
        return code;
    }

    static PrintWriter writer(java.io.OutputStream out) {
        return new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    }
}
