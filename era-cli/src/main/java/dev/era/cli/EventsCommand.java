package dev.era.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.client.EraClient;
import dev.era.client.Event;
import dev.era.client.EventPage;
import dev.era.client.Subscription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

@Command(name = "events", description = "Print the event log; -f keeps printing new events.")
final class EventsCommand implements Callable<Integer> {
    private static final String STREAM_ROW = "%-6s  %-24s  %-20s  %-10s  %-15s  %s";

    @ParentCommand
    EraCommand root;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events until interrupted.")
    boolean follow;

    @Option(names = "--after", defaultValue = "0", paramLabel = "SEQ", description = "Only events after this seq.")
    long after;

    @Option(names = "--limit", defaultValue = "100", paramLabel = "N", description = "At most this many (1-1000, without -f).")
    int limit;

    @Option(names = "--deployment", paramLabel = "NAME", description = "Only events of this deployment (name or id).")
    String deployment;

    @Override
    public Integer call() throws InterruptedException {
        EraClient client = root.client();
        PrintWriter out = root.out();
        if (!follow) {
            EventPage page = deployment == null ? client.events(after, limit) : client.events(after, limit, deployment);
            List<Event> events = page.events();
            if (root.json()) {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.set("events", Output.array(events.stream().map(Event::json).toList()));
                o.put("lastSeq", page.lastSeq());
                Output.json(out, o);
            } else {
                Output.table(out, Tables.EVENT, events.stream().map(Tables::row).toList());
            }
            return 0;
        }
        if (!root.json()) {
            out.println(String.format(STREAM_ROW, Tables.EVENT.toArray()).stripTrailing());
            out.flush();
        }
        Consumer<Event> print = e -> {
            if (root.json()) {
                Output.jsonLine(out, e.json());
            } else {
                out.println(String.format(STREAM_ROW, Tables.row(e).toArray()).stripTrailing());
                out.flush();
            }
        };
        try (Subscription s = deployment == null ? client.followEvents(after, print)
                : client.followEvents(after, deployment, print)) {
            s.join();
        }
        return 0;
    }
}
