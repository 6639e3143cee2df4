package dev.era.daemon;

import dev.era.cli.EraCli;
import picocli.CommandLine;

import java.util.Optional;
import java.util.Set;

/** The {@code era} command: the CLI of era-cli plus {@code serve}, which only this module can offer. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        Optional<ServeArgs> serve = ServeArgs.parse(args);
        if (serve.isPresent()) {
            System.exit(ServeCommand.serve(serve.get().dataDir(), serve.get().listen()));
        }
        System.exit(commandLine(args).execute(args));
    }

    /** Only the command the arguments name is built (see {@link EraCli#commandLine(Set, String...)}). */
    static CommandLine commandLine(String... args) {
        CommandLine cli = EraCli.commandLine(Set.of("serve"), args);
        cli.addSubcommand("serve", new CommandLine(new ServeCommand()));
        return cli;
    }
}
