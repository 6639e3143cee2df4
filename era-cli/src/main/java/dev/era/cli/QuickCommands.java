package dev.era.cli;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code era ps} and {@code era plugins} with the shared options only, run without picocli.
 * Picocli builds its command model by reflection from Java 5 class files that the AOT cache cannot
 * hold: about 100 ms of the 200 ms such a command took, for a listing that scripts and
 * {@code watch} run over and over. The options are read here exactly as picocli reads them
 * (EraCliTest runs both ways and compares); anything else — another command, an option given
 * twice, a bad value, help — is left to picocli, which reports it as usual.
 */
final class QuickCommands {
    private QuickCommands() {
    }

    static Optional<Integer> run(Map<String, String> env, Path home, PrintWriter out, PrintWriter err, String... args) {
        EraCommand root = new EraCommand(env, home, Stdio.system());
        String command = null;
        boolean url = false;
        boolean key = false;
        boolean dataDir = false;
        boolean output = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
            String value;
            if (!name.startsWith("-")) {
                if (command != null || !(a.equals("ps") || a.equals("plugins"))) {
                    return Optional.empty();
                }
                command = a;
                continue;
            }
            if (!name.equals(a)) {
                value = a.substring(eq + 1);
            } else if (a.startsWith("-o") && a.length() > 2 && !a.startsWith("--")) {
                name = "-o";
                value = a.substring(2);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return Optional.empty();
            }
            switch (name) {
                case "--url" -> {
                    if (url) {
                        return Optional.empty();
                    }
                    url = true;
                    root.url = value;
                }
                case "--api-key" -> {
                    if (key) {
                        return Optional.empty();
                    }
                    key = true;
                    root.apiKey = value;
                }
                case "--data-dir" -> {
                    if (dataDir) {
                        return Optional.empty();
                    }
                    dataDir = true;
                    try {
                        root.dataDir = Path.of(value);
                    } catch (InvalidPathException e) {
                        return Optional.empty();
                    }
                }
                case "-o", "--output" -> {
                    if (output) {
                        return Optional.empty();
                    }
                    output = true;
                    switch (value.toLowerCase(Locale.ROOT)) {
                        case "table" -> root.output = EraCommand.Format.table;
                        case "json" -> root.output = EraCommand.Format.json;
                        default -> {
                            return Optional.empty();
                        }
                    }
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        if (command == null) {
            return Optional.empty();
        }
        root.writers(out, err);
        Callable<Integer> call;
        if (command.equals("ps")) {
            PsCommand ps = new PsCommand();
            ps.root = root;
            call = ps;
        } else {
            PluginsCommand plugins = new PluginsCommand();
            plugins.root = root;
            call = plugins;
        }
        try {
            return Optional.of(call.call());
        } catch (Exception e) {
            return Optional.of(EraCli.exitCode(e, err));
        } finally {
            out.flush();
        }
    }
}
