package dev.era.bench.agents;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.Json;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongConsumer;

/**
 * The agent the benchmarks drive: "get" reads (no commit), "inc" changes the state (a durable
 * tick), "cold" reads and asks to hibernate (so the next tick wakes it from SQLite),
 * "alarm <ms-from-now> <name>" sets an alarm. A fired alarm reports its lateness (tick start
 * minus due time, in microseconds) to {@link #lateness}.
 */
public final class BenchAgent implements Agent<Long> {
    static final StateCodec<Long> CODEC = StateCodec.json(n -> Json.object().with("n", n),
            j -> ((Json.Obj) j).number("n", 0));
    static volatile LongConsumer lateness = us -> { };

    @Override
    public Long initialState() {
        return 0L;
    }

    @Override
    public StateCodec<Long> stateCodec() {
        return CODEC;
    }

    @Override
    public TickResult onTrigger(AgentContext<Long> ctx, Trigger trigger) {
        switch (trigger) {
            case Trigger.Message m -> {
                String text = m.text();
                if (text.equals("inc")) {
                    ctx.setState(ctx.state() + 1);
                } else if (text.equals("cold")) {
                    return TickResult.ok().thenHibernate();
                } else if (text.startsWith("alarm ")) {
                    String[] w = text.split(" ");
                    ctx.alarms().at(w[2], Instant.ofEpochMilli(Long.parseLong(w[1])));
                }
                return TickResult.ok();
            }
            case Trigger.Alarm a -> {
                Instant now = Instant.now(); // wall time with microseconds, not the runtime's clock
                long us = Duration.between(a.scheduledAt(), now).toNanos() / 1_000;
                lateness.accept(us);
                if (us > 100_000 && Boolean.getBoolean("bench.debug")) {
                    System.out.println("late " + us + " due " + a.scheduledAt() + " " + a.name() + " " + ctx.id());
                }
                return TickResult.ok();
            }
            default -> {
                return TickResult.ok();
            }
        }
    }
}
