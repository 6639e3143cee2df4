package dev.era.cli;

import dev.era.client.Deployment;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "ps", description = "List deployments.")
final class PsCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Override
    public Integer call() {
        List<Deployment> all = root.client().list();
        if (root.json()) {
            Output.json(root.out(), Output.array(all.stream().map(Deployment::json).toList()));
        } else if (all.isEmpty()) {
            root.out().println("no deployments");
        } else {
            Output.table(root.out(), Tables.DEPLOYMENT, all.stream().map(Tables::row).toList());
        }
        return 0;
    }
}
