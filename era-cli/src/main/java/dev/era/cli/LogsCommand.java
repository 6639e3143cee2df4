package dev.era.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.era.client.EraClient;
import dev.era.client.Subscription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "logs", description = "Print a deployment's output; -f keeps printing new lines.")
final class LogsCommand implements Callable<Integer> {
    @ParentCommand
    EraCommand root;

    @Parameters(paramLabel = "NAME", description = "Deployment name or id.")
    String name;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until interrupted.")
    boolean follow;

    @Option(names = "--tail", defaultValue = "100", paramLabel = "N", description = "Lines from the end (default ${DEFAULT-VALUE}).")
    int tail;

    @Override
    public Integer call() throws InterruptedException {
        EraClient client = root.client();
        PrintWriter out = root.out();
        if (!follow) {
            List<String> lines = client.logs(name, tail);
            if (root.json()) {
                Output.json(out, Output.array(lines.stream().map(l -> (com.fasterxml.jackson.databind.JsonNode)
                        JsonNodeFactory.instance.textNode(l)).toList()));
            } else {
                lines.forEach(out::println);
            }
            return 0;
        }
        try (Subscription s = client.followLogs(name, tail, line -> {
            if (root.json()) {
                Output.jsonLine(out, JsonNodeFactory.instance.textNode(line));
            } else {
                out.println(line);
                out.flush();
            }
        })) {
            s.join();
        }
        return 0;
    }
}
