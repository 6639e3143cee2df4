package dev.era.cli;

import dev.era.client.Deployment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "stop", description = "Stop a running deployment.")
final class StopCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait until it stopped; 0 returns at once (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        Deployment d = root.client().stop(name, timeout);
        Lifecycle.print(root, d);
        return Lifecycle.check(d, "STOPPED", timeout);
    }
}
