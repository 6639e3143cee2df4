package dev.era.agents;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.AgentRef;
import dev.era.agent.Json;
import dev.era.agent.KvEntry;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.time.Duration;
import java.util.stream.Collectors;

/**
 * A test agent driven by its messages ("inc", "put k v", "after a 100", "boom", ...), with a
 * counter as state, so that tests read as scripts.
 */
final class ScriptAgent implements Agent<Long> {
    static final StateCodec<Long> CODEC = StateCodec.json(n -> Json.object().with("count", n),
            j -> ((Json.Obj) j).number("count", 0));

    /** Attempts left to fail, by key, for "flaky": shared because a failed tick's agent instance is thrown away. */
    static final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> FLAKY = new java.util.concurrent.ConcurrentHashMap<>();

    private final ManualTime time;

    ScriptAgent(ManualTime time) {
        this.time = time;
    }

    ScriptAgent() {
        this(null);
    }

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
        return switch (trigger) {
            case Trigger.Message m -> message(ctx, m);
            case Trigger.Alarm a -> {
                ctx.setState(ctx.state() + 1);
                ctx.kv().put("fired/" + a.name() + "/" + a.scheduledAt().toEpochMilli(), a.data());
                if (a.name().startsWith("fail")) {
                    throw new IllegalStateException("alarm " + a.name() + " fails on purpose");
                }
                yield TickResult.ok();
            }
            case Trigger.Request r -> TickResult.status(r.path().equals("/teapot") ? 418 : 200, r.method() + " " + r.path());
            case Trigger.Connect c -> {
                if (c.params().containsKey("refuse")) {
                    yield TickResult.status(403, "no entry");
                }
                ctx.connections().attach(c.connectionId(), c.params().getOrDefault("name", "anon"));
                ctx.connections().broadcast(c.params().getOrDefault("name", "anon") + " joined", c.connectionId());
                yield TickResult.ok();
            }
            case Trigger.SocketMessage s -> {
                String who = ctx.connections().get(s.connectionId()).orElseThrow().attachment();
                switch (s.text()) {
                    case "whoami" -> ctx.connections().send(s.connectionId(), who);
                    case "bye" -> ctx.connections().close(s.connectionId(), 1000, "bye " + who);
                    case "boom" -> throw new IllegalStateException("frame boom");
                    default -> ctx.connections().broadcast(who + ": " + s.text(), s.connectionId());
                }
                ctx.setState(ctx.state() + 1);
                yield TickResult.ok();
            }
            case Trigger.Disconnect d -> {
                ctx.kv().put("left/" + d.connectionId(), d.code() + " " + d.reason());
                yield TickResult.ok();
            }
        };
    }

    private TickResult message(AgentContext<Long> ctx, Trigger.Message m) {
        if (m.fromAgent()) {
            ctx.kv().put("from/" + m.sender(), m.text());
            ctx.setState(ctx.state() + 1);
            return TickResult.ok();
        }
        String[] w = m.text().split(" ", 4);
        switch (w[0]) {
            case "inc" -> ctx.setState(ctx.state() + 1);
            case "get" -> {
            }
            case "put" -> ctx.kv().put(w[1], w[2]);
            case "del" -> ctx.kv().delete(w[1]);
            case "kv" -> {
                return TickResult.reply(ctx.kv().getString(w[1]).orElse("none"));
            }
            case "list" -> {
                return TickResult.reply(ctx.kv().list(w.length > 1 ? w[1] : "").stream().map(KvEntry::key)
                        .collect(Collectors.joining(",")));
            }
            case "after" -> ctx.alarms().after(w[1], Duration.ofMillis(Long.parseLong(w[2])), w.length > 3 ? w[3] : "");
            case "every" -> ctx.alarms().every(w[1], Duration.ofMillis(Long.parseLong(w[2])));
            case "cancel" -> ctx.alarms().cancel(w[1]);
            case "alarms" -> {
                return TickResult.reply(ctx.alarms().list().stream().map(a -> a.name()).collect(Collectors.joining(",")));
            }
            case "send" -> ctx.send(AgentRef.of(w[1], w[2]), w[3]);
            case "boom" -> {
                ctx.setState(ctx.state() + 1);
                ctx.kv().put("boom", "x");
                ctx.alarms().after("boom", Duration.ofSeconds(1));
                ctx.send(AgentRef.of("script", "other"), "from a failed tick");
                throw new IllegalStateException("boom on purpose");
            }
            case "flaky" -> {
                ctx.setState(ctx.state() + 1);
                if (FLAKY.computeIfAbsent(w[1], k -> new java.util.concurrent.atomic.AtomicInteger(Integer.parseInt(w[2])))
                        .getAndDecrement() > 0) {
                    throw new IllegalStateException("flaky " + w[1]);
                }
            }
            case "slow" -> time.advance(Duration.ofMillis(Long.parseLong(w[1])));
            case "hang" -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    throw new IllegalStateException("interrupted by the watchdog", e);
                }
            }
            case "hibernate" -> {
                return TickResult.reply(Long.toString(ctx.state())).thenHibernate();
            }
            default -> throw new IllegalArgumentException("unknown command " + m.text());
        }
        return TickResult.reply(Long.toString(ctx.state()));
    }
}
