package dev.era.daemon;

import dev.era.cli.EraCli;
import picocli.CommandLine;

/** The {@code era} command: the CLI of era-cli plus {@code serve}, which only this module can offer. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = EraCli.commandLine();
        cli.addSubcommand("serve", new CommandLine(new ServeCommand()));
        return cli;
    }
}
