package dev.era.cli;

import dev.era.client.Deployment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "update", description = "Run a new version of a deployment's spec (blue-green or recreate, as the"
        + " spec's update section says); a new version that fails its health checks is rolled back.")
final class UpdateCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @picocli.CommandLine.Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
            description = "The new spec, YAML or JSON, with the deployment's name; '-' reads standard input.")
    String file;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
            description = "How long to wait until the update cut over or rolled back; 0 returns at once"
                    + " (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        String spec = read();
        int before = root.client().get(name).version();
        Deployment d = root.client().update(name, spec, timeout);
        Lifecycle.print(root, d);
        int code = Lifecycle.check(d, d.state().equals("STOPPED") || d.state().equals("FAILED") ? d.state() : "RUNNING",
                timeout);
        if (!timeout.isZero() && d.running() && d.version() == before && !d.message().isEmpty()
                && d.message().contains("rolled back")) {
            throw new CliException(d.name() + " was rolled back to version " + d.version() + ": " + d.message());
        }
        return code;
    }

    private String read() {
        try {
            byte[] bytes = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("cannot read the spec " + file + ": " + e.getMessage(), EraCli.USAGE);
        }
    }
}
