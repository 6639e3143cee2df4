package dev.era.agents.teavm;

import dev.era.agent.AgentRef;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.examples.ExampleAgents;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The JavaScript entry point: runs the example agents in {@link MemoryHost}, one command per
 * argument, printing what happens, so a test can drive it from node:
 * <pre>
 * send counter c1 inc          → reply counter/c1 200 1
 * connect chat room c-1 ada    → frame c-1 * ada joined
 * frame chat room c-1 hello    → frame c-1 ada: hello
 * advance 300000               → (alarms due fire)
 * state counter c1             → state counter/c1 {"value":1}
 * </pre>
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        MemoryHost host = new MemoryHost(Long.parseLong("1742198400000"), System.out::println); // 2025-03-17T08:00Z
        new ExampleAgents().register(host::register); // the package the daemon finds with ServiceLoader
        for (String command : args) {
            run(host, command);
        }
    }

    static void run(MemoryHost host, String command) {
        String[] w = command.split(" ", 5);
        switch (w[0]) {
            case "send" -> print(host, w, host.deliver(AgentRef.of(w[1], w[2]), new Trigger.Message(rest(w, 3))));
            case "connect" -> print(host, w, host.connect(AgentRef.of(w[1], w[2]), w[3], Map.of("name", rest(w, 4))));
            case "frame" -> host.deliver(AgentRef.of(w[1], w[2]),
                    new Trigger.SocketMessage(w[3], rest(w, 4).getBytes(StandardCharsets.UTF_8), false));
            case "advance" -> host.advance(Long.parseLong(w[1]));
            case "state" -> {
                AgentRef ref = AgentRef.of(w[1], w[2]);
                String state = host.stored(ref).map(s -> s.state == null ? "none" : new String(s.state, StandardCharsets.UTF_8))
                        .orElse("none");
                System.out.println("state " + ref + " " + state);
            }
            default -> System.out.println("unknown command: " + command);
        }
    }

    private static void print(MemoryHost host, String[] w, TickResult r) {
        System.out.println("reply " + w[1] + "/" + w[2] + " " + r.status() + " " + r.text());
    }

    private static String rest(String[] w, int from) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < w.length; i++) {
            b.append(i > from ? " " : "").append(w[i]);
        }
        return b.toString();
    }
}
