package dev.era.agents.cluster;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.time.Duration;
import java.time.Instant;
import java.util.function.ToLongFunction;

/**
 * Counts its ticks and records each one, in the same commit, as KV entry {@code t/<n>}:
 * {@code <request> <node> <epoch> <start µs> <end µs>}. A record exists exactly when its tick
 * committed, so the chaos checker reads the truth from the database. The reply is {@code n}.
 * <p>
 * Messages: any text is a request id to record; {@code alarm:<ms>} also sets alarm "a" that far
 * ahead; an alarm tick is recorded with the request id {@code alarm}.
 */
final class TickLogAgent implements Agent<String> {
    static final String TYPE = "log";

    private final String node;
    private final ToLongFunction<String> epochOfId;

    TickLogAgent(String node, ToLongFunction<String> epochOfId) {
        this.node = node;
        this.epochOfId = epochOfId;
    }

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
        long start = micros();
        String request;
        switch (trigger) {
            case Trigger.Message m -> {
                request = m.text();
                if (request.startsWith("alarm:")) {
                    ctx.alarms().after("a", Duration.ofMillis(Long.parseLong(request.substring(6))));
                }
            }
            case Trigger.Alarm a -> request = "alarm";
            default -> {
                return TickResult.ok();
            }
        }
        long n = Long.parseLong(ctx.state()) + 1;
        ctx.setState(Long.toString(n));
        long epoch = epochOfId.applyAsLong(ctx.id());
        ctx.kv().put(key(n), request + " " + node + " " + epoch + " " + start + " " + micros());
        return TickResult.reply(Long.toString(n));
    }

    static String key(long n) {
        return String.format("t/%09d", n);
    }

    /** Wall-clock microseconds: every node runs on this machine, so their records compare. */
    static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
