package dev.era.agents.cluster;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

/** {@code inc} adds one and commits (a durable tick); {@code get} answers without a change (nothing to commit). */
final class CounterAgent implements Agent<String> {
    static final String TYPE = "counter";

    @Override
    public String initialState() {
        return "0";
    }

    @Override
    public StateCodec<String> stateCodec() {
        return StateCodec.utf8();
    }

    @Override
    public TickResult onTrigger(AgentContext<String> ctx, Trigger trigger) {
        if (trigger instanceof Trigger.Message m && m.text().equals("inc")) {
            String n = Long.toString(Long.parseLong(ctx.state()) + 1);
            ctx.setState(n);
            return TickResult.reply(n);
        }
        return TickResult.reply(ctx.state());
    }
}
