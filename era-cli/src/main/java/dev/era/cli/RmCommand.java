package dev.era.cli;

import dev.era.client.Deployment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "rm", description = "Stop a deployment and remove it with its files and logs (events are kept).")
final class RmCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait until the work is stopped and the files are gone; 0 returns at once"
                    + " (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        Deployment d = root.client().delete(name, timeout);
        if (root.json()) {
            Output.json(root.out(), d.json());
        } else if (d.state().equals("DELETED")) {
            root.out().println(d.name() + " deleted (id " + d.id() + ")");
        } else {
            root.out().println(d.name() + " is being deleted (id " + d.id() + ", " + d.state() + ")");
        }
        return Lifecycle.check(d, "DELETED", timeout);
    }
}
