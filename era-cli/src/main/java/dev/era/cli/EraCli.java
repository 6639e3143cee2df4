package dev.era.cli;

import dev.era.client.DaemonUnavailableException;
import dev.era.client.EraClientException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

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

    /** Every client command, in the order {@code era --help} lists them. */
    private static final Map<String, Supplier<Object>> COMMANDS = commands();
    /** Root options that take a value: the word after them is not a command name. */
    private static final Set<String> VALUED_OPTIONS = Set.of("--url", "--api-key", "--data-dir", "-o", "--output");

    private static Map<String, Supplier<Object>> commands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("deploy", DeployCommand::new);
        m.put("ps", PsCommand::new);
        m.put("status", StatusCommand::new);
        m.put("logs", LogsCommand::new);
        m.put("stop", StopCommand::new);
        m.put("start", StartCommand::new);
        m.put("update", UpdateCommand::new);
        m.put("rollback", RollbackCommand::new);
        m.put("history", HistoryCommand::new);
        m.put("rm", RmCommand::new);
        m.put("plugins", PluginsCommand::new);
        m.put("images", ImagesCommand::new);
        m.put("events", EventsCommand::new);
        m.put("keys", KeysCommand::new);
        m.put("sandbox", SandboxCommand::new);
        m.put("cp", CpCommand::new);
        m.put("shell", ShellCommand::new);
        m.put("agent", AgentCommand::new);
        return Collections.unmodifiableMap(m);
    }

    /** The command line with every client command, reading ERA_* variables from this process's environment. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv(), Path.of(System.getProperty("user.home", ".")), Stdio.system());
    }

    /**
     * The command line for these arguments. Picocli builds each command's model by reflection,
     * which is most of a short command's run time, so only the command the arguments name is built;
     * help, errors and unknown names get them all.
     *
     * @param externalCommands commands the caller adds itself (such as {@code serve}): when the
     *                         arguments name one of these, no client command is added
     */
    public static CommandLine commandLine(Set<String> externalCommands, String... args) {
        CommandLine cl = new CommandLine(new EraCommand(System.getenv(), Path.of(System.getProperty("user.home", ".")),
                Stdio.system()));
        Optional<String> named = commandName(args);
        if (named.isPresent() && COMMANDS.containsKey(named.get())) {
            cl.addSubcommand(named.get(), COMMANDS.get(named.get()).get());
        } else if (named.isEmpty() || !externalCommands.contains(named.get())) {
            COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        return configure(cl);
    }

    /** The first word that is neither an option nor an option's value. */
    static Optional<String> commandName(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (VALUED_OPTIONS.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** Runs the command and returns its exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Environment and home directory are passed in so that nothing deeper reads process state. */
    static CommandLine commandLine(Map<String, String> env, Path home, Stdio stdio) {
        CommandLine cl = new CommandLine(new EraCommand(env, home, stdio));
        COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        return configure(cl);
    }

    /** Picocli applies these to the subcommands present at the call, so it comes after adding them. */
    private static CommandLine configure(CommandLine cl) {
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

    /**
     * Runs {@code era ps} or {@code era plugins} (with the shared options only) without picocli,
     * which is half of such a command's run time; empty for any other arguments, which then go to
     * {@link #commandLine(Set, String...)}. See {@link QuickCommands}.
     */
    public static Optional<Integer> runQuickly(String... args) {
        PrintWriter out = writer(System.out);
        PrintWriter err = writer(System.err);
        try {
            return QuickCommands.run(System.getenv(), Path.of(System.getProperty("user.home", ".")), out, err, args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int failure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        return exitCode(e, cl.getErr());
    }

    /** Prints the failure for people and returns the exit code for it. */
    static int exitCode(Exception e, PrintWriter err) {
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
