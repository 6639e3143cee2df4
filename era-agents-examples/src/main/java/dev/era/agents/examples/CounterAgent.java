package dev.era.agents.examples;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.Json;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

/**
 * The smallest useful agent: a durable counter. Messages {@code inc}, {@code inc 5},
 * {@code get} and {@code reset} answer the value; over HTTP, {@code GET} reads and {@code POST}
 * increments.
 */
public final class CounterAgent implements Agent<CounterAgent.Count> {
    public record Count(long value) {
    }

    private static final StateCodec<Count> CODEC = StateCodec.json(
            c -> Json.object().with("value", c.value()),
            j -> new Count(((Json.Obj) j).number("value", 0)));

    @Override
    public Count initialState() {
        return new Count(0);
    }

    @Override
    public StateCodec<Count> stateCodec() {
        return CODEC;
    }

    @Override
    public TickResult onTrigger(AgentContext<Count> ctx, Trigger trigger) {
        return switch (trigger) {
            case Trigger.Message m -> command(ctx, m.text().trim());
            case Trigger.Request r when r.method().equals("POST") -> command(ctx, "inc");
            case Trigger.Request r when r.method().equals("GET") -> command(ctx, "get");
            case Trigger.Request r -> TickResult.status(405, "use GET to read or POST to increment");
            default -> TickResult.ok();
        };
    }

    private static TickResult command(AgentContext<Count> ctx, String text) {
        long value = ctx.state().value();
        if (text.equals("inc")) {
            value++;
        } else if (text.startsWith("inc ")) {
            try {
                value += Long.parseLong(text.substring(4).trim());
            } catch (NumberFormatException e) {
                return TickResult.status(400, "inc takes a whole number, as in 'inc 5'");
            }
        } else if (text.equals("reset")) {
            value = 0;
        } else if (!text.equals("get")) {
            return TickResult.status(400, "unknown command '" + text + "'; use inc, inc <n>, get or reset");
        }
        if (value != ctx.state().value()) {
            ctx.setState(new Count(value)); // "get" changes nothing, so it commits nothing
        }
        return TickResult.reply(Long.toString(value));
    }
}
