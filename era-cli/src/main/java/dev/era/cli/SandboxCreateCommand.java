package dev.era.cli;

import dev.era.client.Sandbox;
import dev.era.client.SandboxSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "create", description = "Create a sandbox and print it once it runs.")
final class SandboxCreateCommand implements Callable<Integer> {
    @ParentCommand
    SandboxCommand sandbox;

    @Option(names = "--name", defaultValue = "", description = "A name, unique among your sandboxes.")
    String name;

    @Option(names = "--memory", defaultValue = "", paramLabel = "SIZE", description = "Memory limit, such as 512Mi or 2Gi.")
    String memory;

    @Option(names = "--cpu", defaultValue = "0", paramLabel = "CORES", description = "CPU limit in cores, such as 0.5 or 2.")
    double cpu;

    @Option(names = "--pids", defaultValue = "0", paramLabel = "N", description = "Limit of processes and threads.")
    int pids;

    @Option(names = "--network", defaultValue = "", paramLabel = "MODE", description = "none (the default) or host.")
    String network;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Suspend after this long without activity, such as 10m (default: the daemon's).")
    Duration idleTimeout = Duration.ZERO;

    @Option(names = "--from-snapshot", defaultValue = "", paramLabel = "ID", description = "Start with this snapshot's workspace.")
    String fromSnapshot;

    @Option(names = "--engine", defaultValue = "", description = "A sandbox engine (default: the daemon's).")
    String engine;

    @Option(names = "--image", defaultValue = "", description = "An image, for engines that run images.")
    String image;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "An environment variable (repeatable).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "A label (repeatable).")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = {"-q", "--quiet"}, description = "Print only the id.")
    boolean quiet;

    @Override
    public Integer call() {
        SandboxSpec.Builder spec = SandboxSpec.builder().name(name).memory(memory).cpu(cpu).pids(pids).network(network)
                .idleTimeout(idleTimeout).fromSnapshot(fromSnapshot).engine(engine).image(image);
        env.forEach(spec::env);
        labels.forEach(spec::label);
        Sandbox s = sandbox.sandboxes().create(spec.build());
        if (quiet) {
            sandbox.root.out().println(s.id());
        } else {
            sandbox.print(s);
        }
        return 0;
    }
}
