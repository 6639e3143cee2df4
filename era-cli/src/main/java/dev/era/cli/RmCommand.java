package dev.era.cli;

import dev.era.client.Deployment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

@Command(name = "rm", description = "Stop a deployment and remove it with its files and logs (events are kept).")
final class RmCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Override
    public Integer call() {
        Deployment d = root.client().delete(name);
        if (root.json()) {
            Output.json(root.out(), d.json());
        } else {
            root.out().println(d.name() + " deleted (id " + d.id() + ")");
        }
        return 0;
    }
}
