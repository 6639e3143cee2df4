package dev.era.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.client.AgentReply;
import dev.era.client.AgentSession;
import dev.era.client.AgentType;
import dev.era.client.Agents;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/** {@code era agent ...}: messages to agents, a WebSocket to one, and what operators see of them. */
@Command(name = "agent", description = "Send messages to agents, connect to one, list and inspect them.")
final class AgentCommand implements Runnable {
    static final List<String> TYPES = List.of("TYPE", "DEPLOYMENT", "LOADED", "TICKS");

    @ParentCommand
    EraCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(root.out());
    }

    private Agents agents() {
        return root.client().agents();
    }

    @Command(name = "send", description = "Send a message to an agent and print its reply (exit 1 if it refused).")
    int send(@Parameters(paramLabel = "TYPE", description = "Agent type, as `era agent ls` lists them.") String type,
             @Parameters(paramLabel = "ID", description = "Agent id; the agent is created by its first message.") String id,
             @Parameters(paramLabel = "MESSAGE", arity = "0..*",
                     description = "The message (words joined by spaces); read from standard input when absent.")
             List<String> words) {
        String message = words == null || words.isEmpty() ? readStdin() : String.join(" ", words);
        AgentReply r = agents().send(type, id, message);
        if (root.json()) {
            ObjectNode o = Output.object();
            o.put("status", r.status());
            o.put("reply", r.text());
            Output.json(root.out(), o);
        } else if (r.ok()) {
            root.out().println(r.text());
        } else {
            root.err().println("the agent answered " + r.status() + ": " + r.text());
        }
        return r.ok() ? 0 : EraCli.FAILED;
    }

    @Command(name = "ls", description = "List the agent types, or the stored agents of one type.")
    int list(@Parameters(paramLabel = "TYPE", arity = "0..1", description = "List this type's agent ids.") String type,
             @Option(names = "--after", defaultValue = "", description = "Start after this id (paging).") String after,
             @Option(names = "--limit", defaultValue = "100", description = "At most this many ids (1 to 1000).") int limit) {
        if (type == null) {
            List<AgentType> all = agents().types();
            if (root.json()) {
                Output.json(root.out(), Output.array(all.stream().map(AgentType::json).toList()));
            } else if (all.isEmpty()) {
                root.out().println("no agent types; deploy an agent package with engine: agents");
            } else {
                List<List<String>> rows = new ArrayList<>();
                for (AgentType t : all) {
                    rows.add(List.of(t.type(), t.deploymentName() + " (" + t.deployment() + ")",
                            Long.toString(t.loaded()), Long.toString(t.ticks())));
                }
                Output.table(root.out(), TYPES, rows);
            }
            return 0;
        }
        List<String> ids = agents().ids(type, after, limit);
        if (root.json()) {
            Output.json(root.out(), Output.array(ids.stream().<JsonNode>map(i -> Output.object().put("id", i)).toList()));
        } else if (ids.isEmpty()) {
            root.out().println("no stored agents of type " + type);
        } else {
            ids.forEach(root.out()::println);
        }
        return 0;
    }

    @Command(name = "inspect", description = "Show an agent's stored state, alarms, KV entries and dead letters.")
    int inspect(@Parameters(paramLabel = "TYPE", description = "Agent type.") String type,
                @Parameters(paramLabel = "ID", description = "Agent id.") String id,
                @Option(names = "--prefix", defaultValue = "", description = "Only KV keys starting with this.") String prefix) {
        Agents a = agents();
        JsonNode agent = a.get(type, id);
        JsonNode kv = a.kv(type, id, prefix);
        JsonNode dead = a.deadLetters(type, id);
        if (root.json()) {
            ObjectNode o = agent.deepCopy();
            o.set("kv", kv);
            o.set("deadLetters", dead);
            Output.json(root.out(), o);
            return 0;
        }
        var out = root.out();
        out.println(type + "/" + id + (agent.path("loaded").asBoolean() ? " (loaded" : " (hibernated")
                + ", " + agent.path("queued").asInt() + " queued, " + agent.path("connections").asInt() + " connections)");
        out.println("state: " + agent.path("state"));
        out.println("alarms: " + (agent.path("alarms").isEmpty() ? "none" : ""));
        for (JsonNode al : agent.path("alarms")) {
            out.println("  " + al.path("name").asText() + "  due " + al.path("due").asText() + "  "
                    + al.path("schedule").asText() + (al.path("data").asText().isEmpty() ? "" : "  " + al.path("data").asText()));
        }
        out.println("kv: " + (kv.isEmpty() ? "none" : kv.size() + " entries"));
        for (JsonNode e : kv) {
            out.println("  " + e.path("key").asText() + " = " + Output.cell(e.path("value").toString(), 120));
        }
        out.println("dead letters: " + (dead.isEmpty() ? "none" : ""));
        for (JsonNode d : dead) {
            out.println("  #" + d.path("seq").asLong() + " " + d.path("trigger").asText() + " after "
                    + d.path("attempts").asInt() + " attempts at " + d.path("failedAt").asText() + ": "
                    + Output.cell(d.path("error").asText(), 120));
        }
        return 0;
    }

    @Command(name = "connect", description = "Open a WebSocket to an agent: each line of standard input is sent, "
            + "each message from the agent printed; end of input closes it.")
    int connect(@Parameters(paramLabel = "TYPE", description = "Agent type.") String type,
                @Parameters(paramLabel = "ID", description = "Agent id.") String id,
                @Option(names = {"-p", "--param"}, paramLabel = "NAME=VALUE",
                        description = "A connection parameter the agent reads (repeatable), such as name=ada.")
                Map<String, String> params,
                @Option(names = "--linger", paramLabel = "DURATION", defaultValue = "1s",
                        converter = DurationConverter.class,
                        description = "After the end of input, keep printing until the agent has been quiet this long (default 1s).")
                Duration linger) {
        var out = root.out();
        AtomicLong lastHeard = new AtomicLong(System.nanoTime());
        AgentSession session = agents().connect(type, id, params == null ? Map.of() : new LinkedHashMap<>(params),
                message -> {
                    synchronized (out) {
                        out.println(message);
                        out.flush();
                    }
                    lastHeard.set(System.nanoTime());
                });
        try (BufferedReader in = new BufferedReader(new InputStreamReader(root.stdio().in(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null && !session.closed().isDone(); line = in.readLine()) {
                session.send(line);
            }
        } catch (IOException e) {
            throw new CliException("cannot read standard input: " + e.getMessage());
        }
        // replies to the last lines may still be on their way: wait for a quiet spell before closing
        lastHeard.accumulateAndGet(System.nanoTime(), Math::max);
        while (!session.closed().isDone() && System.nanoTime() - lastHeard.get() < linger.toNanos()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        session.close();
        try {
            int code = session.closed().get(10, TimeUnit.SECONDS);
            return code == 1000 || code == 1001 ? 0 : EraCli.FAILED;
        } catch (ExecutionException | TimeoutException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EraCli.FAILED;
        }
    }

    private String readStdin() {
        try {
            String text = new String(root.stdio().in().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                throw new CliException("no message: give it after TYPE and ID, or on standard input", EraCli.USAGE);
            }
            return text;
        } catch (IOException e) {
            throw new CliException("cannot read standard input: " + e.getMessage());
        }
    }
}
