package dev.era.cli;

import dev.era.client.Deployment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "start", description = "Start a stopped or failed deployment again.")
final class StartCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait until it runs; 0 returns at once (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        Deployment d = root.client().start(name, timeout);
        Lifecycle.print(root, d);
        return Lifecycle.check(d, "RUNNING", timeout);
    }
}
