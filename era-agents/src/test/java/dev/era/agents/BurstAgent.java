package dev.era.agents;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.Json;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.time.Duration;
import java.time.Instant;

/**
 * The agent of the kill -9 test. Tick {@code n} changes three things at once, so a torn commit
 * would show: the state (a count and a sum of tick numbers), a KV entry {@code tick/n} and an
 * alarm {@code a-n} far in the future. "arm t" sets an alarm at epoch milli t that records
 * {@code woke} in KV when it fires.
 */
final class BurstAgent implements Agent<BurstAgent.State> {
    record State(long count, long sum) {
    }

    static final StateCodec<State> CODEC = StateCodec.json(
            s -> Json.object().with("count", s.count()).with("sum", s.sum()),
            j -> new State(((Json.Obj) j).number("count", 0), ((Json.Obj) j).number("sum", 0)));

    @Override
    public State initialState() {
        return new State(0, 0);
    }

    @Override
    public StateCodec<State> stateCodec() {
        return CODEC;
    }

    @Override
    public TickResult onTrigger(AgentContext<State> ctx, Trigger trigger) {
        switch (trigger) {
            case Trigger.Message m when m.text().startsWith("arm ") ->
                    ctx.alarms().at("wake", Instant.ofEpochMilli(Long.parseLong(m.text().substring(4))));
            case Trigger.Message m -> {
                long n = Long.parseLong(m.text());
                State s = ctx.state();
                ctx.setState(new State(s.count() + 1, s.sum() + n));
                ctx.kv().put("tick/" + n, Long.toString(n));
                ctx.alarms().after("a-" + n, Duration.ofDays(365));
            }
            case Trigger.Alarm a -> ctx.kv().put("woke", a.scheduledAt().toString());
            default -> {
            }
        }
        return TickResult.ok();
    }
}
