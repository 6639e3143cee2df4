package dev.era.cli;

import dev.era.client.Deployment;
import dev.era.client.DeploymentStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "status", description = "Show a deployment, what its engine observes and the end of its log.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Option(names = "--lines", defaultValue = "10", paramLabel = "N", description = "Log lines to show (default ${DEFAULT-VALUE}).")
    int lines;

    @Override
    public Integer call() {
        DeploymentStatus s = root.client().status(name, lines);
        if (root.json()) {
            Output.json(root.out(), s.json());
            return 0;
        }
        Deployment d = s.deployment();
        PrintWriter out = root.out();
        field(out, "name", d.name());
        field(out, "id", d.id());
        field(out, "tenant", d.tenant());
        field(out, "state", d.state());
        field(out, "health", d.health());
        field(out, "engine", d.engine());
        field(out, "version", Integer.toString(d.version()));
        field(out, "pid", d.pid() == 0 ? "-" : Long.toString(d.pid()));
        field(out, "restarts", Integer.toString(d.restarts()));
        field(out, "exit code", d.lastExitCode() == -1 ? "-" : Integer.toString(d.lastExitCode()));
        field(out, "message", d.message().isEmpty() ? "-" : d.message());
        field(out, "observed", Tables.observed(s.observed()));
        field(out, "created", d.createdAt().toString());
        field(out, "updated", d.updatedAt().toString());
        if (d.json().has("rollout")) {
            var r = d.json().get("rollout");
            field(out, "rollout", "version " + r.path("version").asInt() + " (" + r.path("reason").asText() + ")");
        }
        for (var x : s.json().path("drift")) {
            field(out, "drift", x.path("kind").asText() + ": " + x.path("what").asText());
        }
        if (!s.logTail().isEmpty()) {
            out.println("log:");
            s.logTail().forEach(l -> out.println("  " + l));
        }
        return 0;
    }

    private static void field(PrintWriter out, String label, String value) {
        out.println(String.format("%-10s %s", label + ":", value));
    }
}
