package dev.era.cli;

import dev.era.client.Deployment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "rollback", description = "Run an earlier version of a deployment again (the one before the current,"
        + " or --to N); `era history NAME` lists the versions.")
final class RollbackCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Option(names = "--to", paramLabel = "N", defaultValue = "0",
            description = "The version to run; by default the one before the current.")
    int to;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
            description = "How long to wait until the rollback cut over; 0 returns at once (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        if (to < 0) {
            throw new CliException("--to must be a version number (see `era history " + name + "`), not " + to,
                    EraCli.USAGE);
        }
        Deployment d = root.client().rollback(name, to, timeout);
        Lifecycle.print(root, d);
        return Lifecycle.check(d, d.state().equals("STOPPED") || d.state().equals("FAILED") ? d.state() : "RUNNING",
                timeout);
    }
}
