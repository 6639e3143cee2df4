package dev.era.agents;

import dev.era.agent.Agent;
import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.OutboxMessage;
import dev.era.agents.spi.Snapshot;
import dev.era.agents.spi.TickWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs one turn of an agent: load it if it sleeps, run the tick, commit its changes, and only then
 * release its outputs (reply, messages, socket frames). A failure at any step rolls the tick back
 * by dropping the agent from memory (the next attempt reloads the committed state, so even a state
 * object the agent mutated in place is undone), then retries after a backoff, blocking the
 * agent's mailbox so that its triggers stay in order, and finally dead-letters the trigger.
 */
final class TickRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TickRunner.class);

    /** What running a tick produced. */
    private sealed interface Outcome {
    }

    private record Skipped() implements Outcome {
    }

    private record Failed(Throwable cause) implements Outcome {
    }

    /** @param write null when the tick changed nothing durable */
    private record Done(TickContext ctx, TickResult result, TickWrite write, Map<String, AlarmInfo> alarmsAfter)
            implements Outcome {
    }

    /** A retry waiting for its backoff; close() fails it instead of waiting. */
    private record PendingRetry(Envelope envelope, CompletableFuture<Void> turnEnd, Timer.Cancellable[] handle) {
    }

    /** Thrown inside the runner when a tick ran over the limit; recorded as the tick's failure. */
    static final class TickTimeLimit extends RuntimeException {
        TickTimeLimit(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    final AgentStore store;
    final Clock clock;
    final Sockets sockets;
    private final Timer timer;
    private final Executor executor;
    private final Settings settings;
    private final Watchdog watchdog;
    private final Set<PendingRetry> retrying = ConcurrentHashMap.newKeySet();
    private LocalAgentRuntime runtime;

    final AtomicInteger loaded = new AtomicInteger();
    final LongAdder ticks = new LongAdder();
    final LongAdder wakes = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder deadLettered = new LongAdder();
    /** Alarm triggers dropped because the alarm was cancelled, moved or handled meanwhile. */
    final LongAdder staleAlarms = new LongAdder();

    TickRunner(AgentStore store, Clock clock, Timer timer, Executor executor, Settings settings, Sockets sockets,
               Watchdog watchdog) {
        this.store = store;
        this.clock = clock;
        this.timer = timer;
        this.executor = executor;
        this.settings = settings;
        this.sockets = sockets;
        this.watchdog = watchdog;
    }

    void bind(LocalAgentRuntime runtime) {
        this.runtime = runtime;
    }

    void requireType(AgentRef to) {
        runtime.type(to);
    }

    /** One turn of {@code act}'s mailbox; the future completes when the next trigger may start. */
    CompletableFuture<Void> turn(Activation act, Envelope env) {
        env.attempts++;
        return switch (runTick(act, env)) {
            case Skipped s -> {
                env.succeed(TickResult.ok());
                yield Mailbox.DONE;
            }
            case Failed f -> failed(act, env, f.cause());
            case Done d when d.write() == null -> {
                release(act, env, d, Committed.NOTHING);
                yield Mailbox.DONE;
            }
            case Done d -> commit(act, env, d);
        };
    }

    private Outcome runTick(Activation act, Envelope env) {
        try {
            if (!act.loaded()) {
                load(act);
            }
            Trigger trigger = env.trigger;
            if (trigger instanceof Trigger.Alarm a) {
                AlarmInfo info = act.alarms.get(a.name());
                if (info == null || !info.due().equals(a.scheduledAt())) {
                    staleAlarms.increment();
                    return new Skipped(); // cancelled, moved or already handled: the store is the truth
                }
                env.alarm = info;
                trigger = new Trigger.Alarm(a.name(), a.scheduledAt(), info.data());
            }
            TickContext ctx = new TickContext(act, clock.instant(), this);
            Watchdog.Running watch = watchdog.enter(act);
            TickResult result = null;
            Throwable thrown = null;
            try {
                result = act.agent.onTrigger(ctx, trigger);
            } catch (Throwable t) {
                thrown = t;
            } finally {
                ctx.end();
                watchdog.exit(act, watch);
            }
            ticks.increment();
            long took = clock.millis() - watch.startMs;
            if (watch.overran() || took > watchdog.limitMs()) {
                // The overrun is the reason; what the interrupted agent threw is only its consequence.
                throw new TickTimeLimit("The tick of " + act.ref + " ran " + took + " ms, over the limit of "
                        + watchdog.limitMs() + " ms; make onTrigger return sooner (split the work over alarms)", thrown);
            }
            if (thrown != null) {
                throw thrown;
            }
            if (result == null) {
                throw new IllegalStateException("onTrigger of " + act.ref + " returned null; return TickResult.ok() for no reply");
            }
            return done(act, env, ctx, result);
        } catch (Throwable t) {
            return new Failed(t);
        }
    }

    private Done done(Activation act, Envelope env, TickContext ctx, TickResult result) {
        TickAlarms ta = ctx.alarmChanges();
        Map<String, AlarmInfo> alarmsAfter = ta == null ? act.alarms : ta.current();
        List<AlarmInfo> alarmPuts = ta == null ? List.of() : ta.puts();
        Set<String> alarmDeletes = ta == null ? Set.of() : ta.deletes();
        if (env.alarm != null && (ta == null || !ta.touched(env.alarm.name()))) {
            // The alarm that fired is consumed in the same commit: removed, or moved to its next time.
            alarmsAfter = new HashMap<>(alarmsAfter);
            alarmPuts = new ArrayList<>(alarmPuts);
            alarmDeletes = new HashSet<>(alarmDeletes);
            consume(env.alarm, ctx.now, alarmsAfter, alarmPuts, alarmDeletes);
        }
        TickKv kv = ctx.kvChanges();
        boolean kvChanged = kv != null && kv.changed();
        boolean other = kvChanged || !alarmPuts.isEmpty() || !alarmDeletes.isEmpty() || !ctx.sends().isEmpty()
                || env.outboxSeq != 0;
        // The first tick that stores anything also stores the state, so that the agent is listed.
        boolean writeState = ctx.stateSet() || (other && !act.stored);
        if (!writeState && !other) {
            return new Done(ctx, result, null, alarmsAfter);
        }
        Optional<byte[]> state = Optional.empty();
        if (writeState) {
            byte[] bytes = act.codec.encode(ctx.newState());
            if (bytes == null) {
                throw new IllegalStateException("The state codec of agent type '" + act.type.name() + "' encoded null");
            }
            state = Optional.of(bytes);
        }
        TickWrite write = new TickWrite(act.ref, act.fence, state, kvChanged ? kv.puts() : Map.of(),
                kvChanged ? kv.deletes() : Set.of(), alarmPuts, alarmDeletes, ctx.sends(), env.outboxSeq, Optional.empty());
        return new Done(ctx, result, write, alarmsAfter);
    }

    private static void consume(AlarmInfo fired, Instant now, Map<String, AlarmInfo> alarms, List<AlarmInfo> puts,
                                Set<String> deletes) {
        Optional<Instant> next = fired.schedule().next(fired.due(), now);
        if (next.isPresent()) {
            AlarmInfo moved = new AlarmInfo(fired.name(), next.get().truncatedTo(ChronoUnit.MILLIS), fired.schedule(), fired.data());
            alarms.put(fired.name(), moved);
            puts.add(moved);
        } else {
            alarms.remove(fired.name());
            deletes.add(fired.name());
        }
    }

    private CompletableFuture<Void> commit(Activation act, Envelope env, Done d) {
        CompletableFuture<Void> turnEnd = new CompletableFuture<>();
        CompletableFuture<Committed> committing;
        try {
            committing = store.commit(d.write());
        } catch (RuntimeException e) {
            committing = CompletableFuture.failedFuture(e);
        }
        committing.whenComplete((committed, error) -> {
            if (error == null) {
                try {
                    release(act, env, d, committed);
                } catch (RuntimeException e) {
                    LOG.error("Releasing the outputs of a committed tick of {} failed", act.ref, e);
                }
                turnEnd.complete(null);
            } else {
                failed(act, env, unwrap(error)).whenComplete((v, e) -> turnEnd.complete(null));
            }
        });
        return turnEnd;
    }

    /** After the commit (the output gate): make the tick's changes the agent's, then let its outputs out. */
    private void release(Activation act, Envelope env, Done d, Committed committed) {
        TickWrite w = d.write();
        if (w != null) {
            if (w.state().isPresent()) {
                act.stored = true;
            }
            if (!w.alarmPuts().isEmpty()) {
                runtime.alarms.scheduled(act.ref, w.alarmPuts());
            }
            for (int i = 0; i < w.sends().size(); i++) {
                TickWrite.Outgoing o = w.sends().get(i);
                runtime.deliverOutbox(new OutboxMessage(committed.outboxSeqs().get(i), o.to(), o.from(), o.data()));
            }
        }
        if (d.ctx().stateSet()) {
            act.state = d.ctx().newState();
        }
        act.alarms = d.alarmsAfter().isEmpty() ? Map.of() : d.alarmsAfter();
        TickConnections tc = d.ctx().socketOps();
        if (tc != null) {
            for (TickConnections.Op op : tc.ops()) {
                switch (op) {
                    case TickConnections.Op.Send s -> s.socket().sendFromAgent(s.text(), s.data());
                    case TickConnections.Op.Close c -> c.socket().closeFromAgent(c.code(), c.reason());
                    case TickConnections.Op.Attach a -> a.socket().attach(a.attachment());
                }
            }
        }
        act.lastUsedMs = clock.millis();
        if (d.result().hibernate()) {
            unload(act);
        }
        env.succeed(d.result());
    }

    private CompletableFuture<Void> failed(Activation act, Envelope env, Throwable cause) {
        failures.increment();
        unload(act); // the rollback of memory: the next attempt starts from the committed agent
        act.lastUsedMs = clock.millis();
        if (cause instanceof AgentRuntimeException.NotOwner notOwner) {
            // Not retried here and never dead-lettered: nothing was committed, and the owner node
            // handles the trigger (a durable one, alarm or agent message, is still in the store for it).
            env.fail(notOwner);
            return Mailbox.DONE;
        }
        if (runtime.closing()) {
            // Not dead-lettered: a durable trigger (alarm, agent message) stays in the store for the next start.
            env.fail(runtime.closedException());
            return Mailbox.DONE;
        }
        if (env.attempts < settings.maxAttempts()) {
            retries.increment();
            Duration wait = settings.backoff(env.attempts);
            LOG.info("A {} tick of {} failed (attempt {} of {}); retrying in {} ms: {}", env.kind(), act.ref,
                    env.attempts, settings.maxAttempts(), wait.toMillis(), cause.toString());
            PendingRetry retry = new PendingRetry(env, new CompletableFuture<>(), new Timer.Cancellable[1]);
            retrying.add(retry);
            retry.handle()[0] = timer.schedule(wait, () -> {
                if (retrying.remove(retry)) {
                    executor.execute(() -> turn(act, env).whenComplete((v, e) -> retry.turnEnd().complete(null)));
                }
            });
            return retry.turnEnd();
        }
        return deadLetter(act, env, cause);
    }

    private CompletableFuture<Void> deadLetter(Activation act, Envelope env, Throwable cause) {
        String error = cause.toString();
        LOG.warn("Gave up on a {} tick of {} after {} attempts; it is dead-lettered: {}", env.kind(), act.ref,
                env.attempts, error);
        List<AlarmInfo> alarmPuts = new ArrayList<>();
        Set<String> alarmDeletes = new HashSet<>();
        if (env.alarm != null) {
            consume(env.alarm, clock.instant(), new HashMap<>(), alarmPuts, alarmDeletes);
        }
        TickWrite w = new TickWrite(act.ref, act.fence, Optional.empty(), Map.of(), Set.of(), alarmPuts, alarmDeletes,
                List.of(), env.outboxSeq, Optional.of(new TickWrite.NewDeadLetter(env.kind(), env.payload(), error, env.attempts)));
        CompletableFuture<Void> turnEnd = new CompletableFuture<>();
        CompletableFuture<Committed> committing;
        try {
            committing = store.commit(w);
        } catch (RuntimeException e) {
            committing = CompletableFuture.failedFuture(e);
        }
        committing.whenComplete((c, e) -> {
            if (e != null) {
                LOG.error("Could not record the dead letter of a {} tick of {}", env.kind(), act.ref, unwrap(e));
            } else if (!alarmPuts.isEmpty()) {
                runtime.alarms.scheduled(act.ref, alarmPuts);
            }
            deadLettered.increment(); // after the commit, so that a reader of the counter finds the dead letter
            env.fail(new AgentRuntimeException.TickFailed("The " + env.kind() + " to " + act.ref + " failed "
                    + env.attempts + " time(s) and was dead-lettered; last error: " + error
                    + ". Fix the agent, then look at its dead letters to replay what was lost",
                    Map.of("agent", act.ref.toString(), "attempts", env.attempts, "trigger", env.kind()), cause));
            turnEnd.complete(null);
        });
        return turnEnd;
    }

    private void load(Activation act) {
        Snapshot snap = store.load(act.ref);
        Agent<Object> agent = act.type.create();
        StateCodec<Object> codec = agent.stateCodec();
        if (codec == null) {
            throw new IllegalStateException("stateCodec() of agent type '" + act.type.name() + "' returned null");
        }
        Object state = snap.state().isPresent() ? codec.decode(snap.state().get()) : agent.initialState();
        if (state == null) {
            throw new IllegalStateException((snap.state().isPresent() ? "The state codec" : "initialState()")
                    + " of agent type '" + act.type.name() + "' gave null for " + act.ref);
        }
        Map<String, AlarmInfo> alarms = Map.of();
        if (!snap.alarms().isEmpty()) {
            alarms = new HashMap<>();
            for (AlarmInfo a : snap.alarms()) {
                alarms.put(a.name(), a);
            }
        }
        act.agent = agent;
        act.codec = codec;
        act.state = state;
        act.stored = snap.state().isPresent();
        act.alarms = alarms;
        act.fence = snap.fence();
        loaded.incrementAndGet();
        wakes.increment();
        runtime.hibernator.activated();
    }

    /** Drops the agent's instance and state from memory; its activation stays until retired. */
    void unload(Activation act) {
        if (act.agent != null) {
            act.agent = null;
            act.codec = null;
            act.state = null;
            act.alarms = Map.of();
            loaded.decrementAndGet();
        }
    }

    /** Fails the triggers waiting for a retry, so that close() need not wait out their backoff. */
    void cancelRetries() {
        for (PendingRetry r : List.copyOf(retrying)) {
            if (retrying.remove(r)) {
                if (r.handle()[0] != null) {
                    r.handle()[0].cancel();
                }
                r.envelope().fail(runtime.closedException());
                r.turnEnd().complete(null);
            }
        }
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
