package dev.era.cli;

import dev.era.client.EraClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/** The root {@code era} command and the options every command shares; EraCli adds the subcommands. */
@Command(name = "era", version = "era 0.1.0",
        description = "Talk to the ERA daemon: over its Unix socket by default, or over TCP with --url and --api-key.")
final class EraCommand implements Runnable {
    enum Format { table, json }

    private final Map<String, String> env;
    private final Path home;
    private final Stdio stdio;

    @Spec
    CommandSpec spec;

    /** Inherited, so that {@code era ps --help} works as well as {@code era --help}. */
    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "Show this help message and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print version information and exit.")
    boolean version;

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The daemon's TCP address, such as http://127.0.0.1:7878 (env ERA_URL). Without it the Unix socket is used.")
    String url;

    @Option(names = "--api-key", scope = ScopeType.INHERIT, paramLabel = "KEY",
            description = "API key for --url (env ERA_API_KEY).")
    String apiKey;

    @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "The daemon's data directory holding era.sock (env ERA_DATA_DIR, else $XDG_DATA_HOME/era, else"
                    + " ~/.local/share/era).")
    Path dataDir;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "table (for people, the default) or json (for scripts).")
    Format output = Format.table;

    EraCommand(Map<String, String> env, Path home, Stdio stdio) {
        this.env = Map.copyOf(env);
        this.home = home;
        this.stdio = stdio;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    boolean json() {
        return output == Format.json;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The raw byte streams; flush {@link #out()} and {@link #err()} before writing to them. */
    Stdio stdio() {
        return stdio;
    }

    /** A client for the daemon chosen by the options and the environment. */
    EraClient client() {
        String u = url != null ? url : env.get("ERA_URL");
        if (u != null && !u.isBlank()) {
            String key = apiKey != null ? apiKey : env.getOrDefault("ERA_API_KEY", "");
            if (key.isBlank()) {
                throw new CliException("--url needs an API key: pass --api-key or set ERA_API_KEY", EraCli.USAGE);
            }
            try {
                return EraClient.tcp(new URI(u.trim()), key);
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new CliException("--url '" + u + "' is not a URL like http://127.0.0.1:7878: " + e.getMessage(),
                        EraCli.USAGE);
            }
        }
        return EraClient.unix(socket());
    }

    Path socket() {
        Path dir = dataDir;
        if (dir == null) {
            // the same order as the daemon's default: ERA_DATA_DIR, XDG_DATA_HOME/era, ~/.local/share/era
            String fromEnv = env.get("ERA_DATA_DIR");
            String xdg = env.get("XDG_DATA_HOME");
            dir = fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv)
                    : xdg != null && !xdg.isBlank() ? Path.of(xdg, "era") : home.resolve(".local/share/era");
        }
        return dir.resolve("era.sock");
    }
}
