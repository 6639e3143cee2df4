package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.OutboxMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runtime: a registry of activations (one per agent in memory), the way triggers get into
 * their mailboxes, and the wiring of the tick runner, alarm clock, hibernator and watchdog.
 */
final class LocalAgentRuntime implements AgentRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(LocalAgentRuntime.class);
    /** How long close() lets ticks in progress finish before failing what is left. */
    static final long CLOSE_WAIT_MS = 10_000;
    private static final int OUTBOX_PAGE = 1_000;

    final Map<String, AgentType> types;
    final AgentStore store;
    final Clock clock;
    final Sockets sockets = new Sockets();
    final TickRunner runner;
    final AlarmClock alarms;
    final Hibernator hibernator;
    private final Watchdog watchdog;
    private final Timer timer;
    private final Executor executor;
    private final boolean ownsTimer;
    private final boolean ownsExecutor;
    private final Settings settings;
    private final ConcurrentHashMap<AgentRef, Activation> registry = new ConcurrentHashMap<>();
    private final AtomicLong connectionSeq = new AtomicLong();
    private final String connectionPrefix;
    private final LocalAdmin admin;
    private volatile boolean closing;

    LocalAgentRuntime(Map<String, AgentType> types, AgentStore store, Clock clock, Timer timer, boolean ownsTimer,
                      Executor executor, boolean ownsExecutor, Settings settings) {
        this.types = Map.copyOf(types);
        this.store = store;
        this.clock = clock;
        this.timer = timer;
        this.ownsTimer = ownsTimer;
        this.executor = executor;
        this.ownsExecutor = ownsExecutor;
        this.settings = settings;
        this.watchdog = new Watchdog(clock, timer, settings.maxTickDuration(), registry::values);
        this.runner = new TickRunner(store, clock, timer, executor, settings, sockets, watchdog);
        this.alarms = new AlarmClock(store, clock, timer, executor, settings.alarmHorizon(), this);
        this.hibernator = new Hibernator(this, runner, clock, timer, executor, settings);
        // Ids stay unique across restarts of the runtime, so that logs never confuse two connections.
        this.connectionPrefix = Long.toString(clock.millis(), 36) + "-";
        this.admin = new LocalAdmin(this);
        runner.bind(this);
    }

    /** Recovery, then the background work: every committed agent message is delivered again, due alarms fire. */
    void start() {
        store.attach(new Host());
        redeliverOutbox(ref -> true);
        alarms.start();
        hibernator.start();
        watchdog.start();
    }

    /** Delivers the committed agent messages to the agents {@code to} accepts, oldest first. */
    private void redeliverOutbox(java.util.function.Predicate<AgentRef> to) {
        long after = 0;
        int redelivered = 0;
        while (true) {
            List<OutboxMessage> page = store.outbox(after, OUTBOX_PAGE);
            for (OutboxMessage m : page) {
                if (!to.test(m.to())) {
                    after = m.seq();
                    continue;
                }
                if (types.containsKey(m.to().type())) {
                    deliverOutbox(m);
                    redelivered++;
                } else {
                    LOG.warn("A message to {} waits in the outbox, but no agent type '{}' is registered", m.to(), m.to().type());
                }
                after = m.seq();
            }
            if (page.size() < OUTBOX_PAGE) {
                break;
            }
        }
        if (redelivered > 0) {
            LOG.info("Delivering {} agent message(s) committed before this runtime owned their receivers", redelivered);
        }
    }

    /** Ownership reports of a shared store (see {@link dev.era.agents.spi.AgentHost}). */
    private final class Host implements dev.era.agents.spi.AgentHost {
        @Override
        public void acquired(java.util.function.Predicate<AgentRef> agents) {
            if (closing) {
                return;
            }
            redeliverOutbox(agents);
            alarms.rescan(agents);
        }

        @Override
        public void released(java.util.function.Predicate<AgentRef> agents) {
            for (Activation a : registry.values()) {
                if (agents.test(a.ref)) {
                    retire(a); // a busy one stays; its next commit is fenced off and unloads it
                }
            }
        }
    }

    // ---- public API ----

    @Override
    public CompletableFuture<TickResult> send(String type, String id, byte[] message) {
        if (message == null) {
            return CompletableFuture.failedFuture(invalid("A message to " + type + "/" + id + " is required", null));
        }
        return submit(type, id, new Trigger.Message(message.clone(), ""));
    }

    @Override
    public CompletableFuture<TickResult> request(String type, String id, Trigger.Request request) {
        if (request == null) {
            return CompletableFuture.failedFuture(invalid("A request to " + type + "/" + id + " is required", null));
        }
        return submit(type, id, request);
    }

    private CompletableFuture<TickResult> submit(String type, String id, Trigger trigger) {
        CompletableFuture<TickResult> reply = new CompletableFuture<>();
        try {
            AgentRef ref = ref(type, id);
            if (!deliver(ref, new Envelope(trigger, reply, 0), true)) {
                reply.completeExceptionally(overloaded(ref));
            }
        } catch (AgentRuntimeException e) {
            reply.completeExceptionally(e);
        }
        return reply;
    }

    @Override
    public CompletableFuture<AgentSocket> connect(String type, String id, Map<String, String> params, SocketSink sink) {
        AgentRef ref;
        try {
            ref = ref(type, id);
        } catch (AgentRuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        LocalSocket socket = new LocalSocket(connectionPrefix + connectionSeq.incrementAndGet(), ref, sink, this);
        sockets.add(socket); // before the Connect tick, which must see it in Connections.list()
        CompletableFuture<TickResult> accepted = new CompletableFuture<>();
        try {
            if (!deliver(ref, new Envelope(new Trigger.Connect(socket.id(), params == null ? Map.of() : params), accepted, 0))) {
                accepted.completeExceptionally(overloaded(ref));
            }
        } catch (AgentRuntimeException e) {
            accepted.completeExceptionally(e);
        }
        return accepted.handle((result, error) -> {
            if (error != null) {
                socket.closeFromAgent(1011, "the agent could not accept the connection");
                throw TickRunner.unwrap(error) instanceof RuntimeException r ? r : new IllegalStateException(error);
            }
            if (!result.succeeded()) {
                socket.closeFromAgent(1008, result.text());
                throw new AgentRuntimeException.ConnectionRefused(ref + " refused the connection with status "
                        + result.status() + ": " + result.text(), result.status(),
                        Map.of("agent", ref.toString(), "status", result.status()));
            }
            return socket;
        });
    }

    @Override
    public AgentAdmin admin() {
        return admin;
    }

    @Override
    public Set<String> types() {
        return new TreeSet<>(types.keySet());
    }

    // ---- delivery ----

    /**
     * Puts {@code env} into the agent's mailbox, making an activation if it has none. Returns
     * false when the mailbox is full. A retired activation (its agent was just hibernated)
     * refuses the offer; it is then removed and a fresh one made.
     */
    boolean deliver(AgentRef ref, Envelope env) {
        return deliver(ref, env, false);
    }

    /** @param callerRuns run the tick on the calling thread if the agent is idle (public API callers only) */
    private boolean deliver(AgentRef ref, Envelope env, boolean callerRuns) {
        if (closing) {
            throw closedException();
        }
        AgentType type = type(ref);
        while (true) {
            Activation act = registry.get(ref);
            if (act == null) {
                Activation fresh = new Activation(ref, type, executor, runner, clock.millis());
                act = registry.putIfAbsent(ref, fresh);
                if (act == null) {
                    act = fresh;
                }
            }
            Mailbox.Offer offer = callerRuns ? act.mailbox.offerAndRun(env, settings.mailboxCapacity())
                    : act.mailbox.offer(env, settings.mailboxCapacity());
            switch (offer) {
                case ACCEPTED -> {
                    return true;
                }
                case FULL -> {
                    return false;
                }
                case RETIRED -> registry.remove(ref, act);
            }
        }
    }

    /** A committed agent-to-agent message; retried later when the receiver's mailbox is full, never dropped. */
    void deliverOutbox(OutboxMessage m) {
        if (closing) {
            return; // it stays in the outbox for the next start
        }
        Envelope env = new Envelope(new Trigger.Message(m.data(), m.from().toString()), null, m.seq());
        if (!deliver(m.to(), env)) {
            timer.schedule(java.time.Duration.ofMillis(AlarmClock.FULL_RETRY_MS), () -> executor.execute(() -> deliverOutbox(m)));
        }
    }

    boolean deliverAlarm(AgentRef agent, String name, Instant due) {
        return deliver(agent, new Envelope(new Trigger.Alarm(name, due, ""), null, 0));
    }

    void deliverFromSocket(LocalSocket socket, Trigger trigger) {
        if (!deliver(socket.agent(), new Envelope(trigger, null, 0))) {
            throw overloaded(socket.agent());
        }
    }

    /** Retires the activation if its mailbox is idle and empty, and forgets it. */
    boolean retire(Activation act) {
        if (act.mailbox.retireIfIdle()) {
            registry.remove(act.ref, act);
            runner.unload(act);
            return true;
        }
        return false;
    }

    Collection<Activation> activations() {
        return registry.values();
    }

    Activation activation(AgentRef ref) {
        return registry.get(ref);
    }

    AgentType type(AgentRef ref) {
        AgentType t = types.get(ref.type());
        if (t == null) {
            throw new AgentRuntimeException.UnknownAgentType("No agent type '" + ref.type() + "' is registered; registered: "
                    + String.join(", ", types()) + ". Register it with EraAgents...register(type, factory)",
                    Map.of("type", ref.type()));
        }
        return t;
    }

    private AgentRef ref(String type, String id) {
        AgentRef ref;
        try {
            ref = AgentRef.of(type, id);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage(), e);
        }
        type(ref);
        return ref;
    }

    // ---- closing ----

    boolean closing() {
        return closing;
    }

    AgentRuntimeException.Closed closedException() {
        return new AgentRuntimeException.Closed("The agent runtime is closed; start it again to send to agents", Map.of());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        alarms.stop();
        hibernator.stop();
        watchdog.stop();
        runner.cancelRetries();
        long deadline = System.nanoTime() + CLOSE_WAIT_MS * 1_000_000;
        while (System.nanoTime() < deadline && !registry.values().stream().allMatch(a -> a.mailbox.idle())) {
            try {
                Thread.sleep(5); // close is rare; polling keeps the hot path free of close bookkeeping
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Whatever is still queued (behind a tick that would not finish) is refused, not left hanging.
        for (Activation a : registry.values()) {
            for (Envelope env : a.mailbox.takeQueued()) {
                env.fail(closedException());
            }
        }
        for (LocalSocket s : sockets.all()) {
            s.closeFromAgent(1001, "the agent runtime is shutting down");
        }
        try {
            store.close();
        } finally {
            if (ownsTimer) {
                timer.close();
            }
            if (ownsExecutor && executor instanceof ExecutorService es) {
                es.shutdownNow();
            }
        }
    }

    private static AgentRuntimeException.InvalidRequest invalid(String message, Throwable cause) {
        return new AgentRuntimeException.InvalidRequest(message, Map.of(), cause);
    }

    private AgentRuntimeException.Overloaded overloaded(AgentRef ref) {
        return new AgentRuntimeException.Overloaded("The mailbox of " + ref + " holds " + settings.mailboxCapacity()
                + " triggers already; slow down and retry (its ticks are too slow for the rate sent)",
                Map.of("agent", ref.toString(), "capacity", settings.mailboxCapacity()));
    }
}
