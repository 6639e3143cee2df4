package dev.era.core;

import dev.era.api.AppStatus;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.IllegalTransitionException;
import dev.era.api.NotFoundException;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;
import dev.era.core.LifecycleTable.Transition;
import dev.era.core.spi.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Drives deployments through {@link LifecycleTable}. Each deployment has a mailbox, so its
 * transitions and actions run one at a time. Every transition is written to the store before its
 * action runs (the pending action is the intent) and the action's outcome is the next transition,
 * so after a crash {@link #recover} repeats exactly the actions that were in flight; engines make
 * them idempotent. The controller never branches on the engine.
 */
public final class LifecycleController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleController.class);

    private final StateStore store;
    private final Map<String, RuntimePlugin> engines;
    private final Layout layout;
    private final Clock clock;
    private final Scheduler scheduler;
    private final EventHub hub;
    private final Executor workers;
    private final Map<DeploymentId, Deployment> cache = new ConcurrentHashMap<>();
    private final Map<DeploymentId, DeploymentRuntime> runtimes = new ConcurrentHashMap<>();
    private volatile Consumer<Transition> observer = t -> { };

    LifecycleController(StateStore store, Map<String, RuntimePlugin> engines, Layout layout, Clock clock,
                        Scheduler scheduler, EventHub hub) {
        this.store = store;
        this.engines = Map.copyOf(engines);
        this.layout = layout;
        this.clock = clock;
        this.scheduler = scheduler;
        this.hub = hub;
        this.workers = scheduler::execute;
    }

    /** Tests see every transition taken, to prove the whole table is exercised. */
    void observe(Consumer<Transition> o) {
        observer = o;
    }

    Collection<Deployment> deployments() {
        return cache.values();
    }

    Optional<Deployment> find(DeploymentId id) {
        return Optional.ofNullable(cache.get(id));
    }

    RuntimePlugin engine(Deployment d) {
        RuntimePlugin e = engines.get(d.spec().engine());
        if (e == null) {
            throw new dev.era.api.EngineException("deployment " + d.name() + " uses engine '" + d.spec().engine()
                    + "', which this daemon does not have; available: " + String.join(", ", engines.keySet()));
        }
        return e;
    }

    Workload workload(Deployment d) {
        return layout.workload(d);
    }

    // ---- entry points -------------------------------------------------------------------------

    /** Stores a new deployment (state VALIDATING) and starts its lifecycle. */
    Deployment create(Deployment d) {
        Event ev = event(d, "created", "deployment " + d.name() + " version " + d.version() + " submitted",
                Map.of("engine", d.spec().engine()));
        long seq = store.create(d, ev);
        cache.put(d.id(), d);
        DeploymentRuntime rt = runtime(d.id());
        hub.published(ev.withSeq(seq));
        rt.mailbox.execute(() -> run(rt, d, Action.VALIDATE));
        return d;
    }

    /**
     * A user's request (stop, start, delete). Completes once the transition is stored, or
     * exceptionally with {@link IllegalTransitionException} when the current state does not allow it.
     */
    CompletableFuture<Deployment> request(DeploymentId id, LifecycleEvent event) {
        CompletableFuture<Deployment> accepted = new CompletableFuture<>();
        DeploymentRuntime rt = runtimes.get(id);
        if (rt == null) {
            accepted.completeExceptionally(new NotFoundException("no deployment " + id));
            return accepted;
        }
        rt.mailbox.execute(() -> {
            Deployment d = cache.get(id);
            if (d == null) {
                accepted.completeExceptionally(new NotFoundException("deployment " + id + " was deleted"));
                return;
            }
            try {
                if (event == LifecycleEvent.STOP_REQUESTED || event == LifecycleEvent.DELETE_REQUESTED) {
                    rt.quiesce();
                }
                fire(rt, d, event, UnaryOperator.identity(), "requested by the user", accepted);
            } catch (RuntimeException e) {
                accepted.completeExceptionally(e);
            }
        });
        return accepted;
    }

    /** Changes the deployment's owner (a warm-pool sandbox claimed by a tenant); its state is untouched. */
    CompletableFuture<Deployment> reassign(DeploymentId id, String tenant) {
        CompletableFuture<Deployment> done = new CompletableFuture<>();
        DeploymentRuntime rt = runtimes.get(id);
        if (rt == null) {
            done.completeExceptionally(new NotFoundException("no deployment " + id));
            return done;
        }
        rt.mailbox.execute(() -> {
            Deployment d = cache.get(id);
            if (d == null) {
                done.completeExceptionally(new NotFoundException("deployment " + id + " was deleted"));
                return;
            }
            try {
                record(new Deployment(d.id(), tenant, d.name(), d.version(), d.spec(), d.state(), d.pendingAction(),
                        d.handle(), d.pid(), d.health(), d.restarts(), d.lastExitCode(), d.message(), d.createdAt(),
                        d.updatedAt()), "claimed", "given to tenant " + tenant);
                done.complete(cache.get(id));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Waits until the deployment settles (RUNNING, STOPPED, FAILED, DELETED). */
    CompletableFuture<Deployment> settled(DeploymentId id) {
        CompletableFuture<Deployment> f = new CompletableFuture<>();
        DeploymentRuntime rt = runtimes.get(id);
        Deployment d = cache.get(id);
        if (rt == null || d == null) {
            f.completeExceptionally(new NotFoundException("no deployment " + id));
            return f;
        }
        synchronized (rt.waiters) {
            rt.waiters.add(f);
        }
        rt.mailbox.execute(() -> {
            Deployment now = cache.get(id);
            if (now == null || now.state().settled()) {
                rt.settle(now == null ? d.withState(LifecycleState.DELETED, "", clock.instant()) : now);
            }
        });
        return f;
    }

    // ---- transitions --------------------------------------------------------------------------

    /**
     * Looks the event up in the table, writes the new state with its pending action (the intent),
     * then runs the action. {@code accepted} (may be null) completes once the intent is stored.
     */
    private void fire(DeploymentRuntime rt, Deployment d, LifecycleEvent event, UnaryOperator<Deployment> change,
                      String message, CompletableFuture<Deployment> accepted) {
        Transition t = LifecycleTable.lookup(d.state(), event).orElseThrow(() -> new IllegalTransitionException(
                d.id() + " (" + d.name() + ")", d.state().name(), event.name(), List.copyOf(rt.history)));
        Instant now = clock.instant();
        Deployment next = change.apply(d).withState(t.to(), t.action() == Action.NONE ? "" : t.action().name(), now);
        if (!message.isEmpty()) {
            next = next.withMessage(message);
        }
        Event ev = event(next, "transition", d.state() + " -> " + t.to() + " on " + event
                + (message.isEmpty() ? "" : ": " + message), Map.of("from", d.state().name(), "event", event.name(),
                "action", t.action().name()));
        long seq = store.transition(next, ev);
        cache.put(next.id(), next);
        rt.remember(d.state() + " -" + event + "->");
        hub.published(ev.withSeq(seq));
        observer.accept(t);
        if (accepted != null) {
            accepted.complete(next);
        }
        if (next.state().settled() && t.action() == Action.NONE) {
            rt.settle(next);
        }
        run(rt, next, t.action());
    }

    /** Fires an internal event; an event the current state cannot take is a bug and is logged. */
    private void advance(DeploymentRuntime rt, Deployment d, LifecycleEvent event, UnaryOperator<Deployment> change,
                         String message) {
        try {
            fire(rt, d, event, change, message, null);
        } catch (IllegalTransitionException e) {
            LOG.error("lifecycle bug: {}", e.getMessage());
        }
    }

    private void run(DeploymentRuntime rt, Deployment d, Action action) {
        try {
            LifecycleActions.run(this, rt, d, action);
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            LOG.debug("{} of {} failed: {}", action, d.id(), why, e);
            Deployment now = cache.get(d.id());
            if (now != null && LifecycleTable.lookup(now.state(), LifecycleEvent.OP_FAILED).isPresent()) {
                advance(rt, now, LifecycleEvent.OP_FAILED, UnaryOperator.identity(), action.name().toLowerCase()
                        + " failed: " + why);
            } else if (now != null) {
                String cause = action.name().toLowerCase() + " failed: " + why;
                record(now.withState(now.state(), "", clock.instant()).withMessage(
                        now.message().isEmpty() ? cause : now.message() + "; then " + cause), "error", cause);
                rt.settle(cache.get(d.id()));
            }
        }
    }

    // ---- used by LifecycleActions (on the mailbox) --------------------------------------------

    /**
     * Reports an action's outcome. It goes to the back of the mailbox, so a request that arrived
     * during a long action (a delete during a slow fetch) is taken first; the outcome is then
     * stale and dropped, because the deployment has left the state the action belonged to.
     */
    void next(DeploymentRuntime rt, Deployment d, LifecycleEvent event, UnaryOperator<Deployment> change, String msg) {
        rt.mailbox.execute(() -> {
            Deployment now = cache.get(d.id());
            if (now != null && now.state() == d.state()) {
                advance(rt, now, event, change, msg);
            }
        });
    }

    /** Writes a change of the row that is not a state change (health, pid), with an event. */
    void record(Deployment d, String type, String message) {
        Deployment stamped = new Deployment(d.id(), d.tenant(), d.name(), d.version(), d.spec(), d.state(),
                d.pendingAction(), d.handle(), d.pid(), d.health(), d.restarts(), d.lastExitCode(), d.message(),
                d.createdAt(), clock.instant());
        Event ev = event(stamped, type, message, Map.of());
        long seq = store.transition(stamped, ev);
        cache.put(d.id(), stamped);
        hub.published(ev.withSeq(seq));
    }

    void purge(DeploymentRuntime rt, Deployment d) throws IOException {
        deleteTree(layout.deploymentDir(d.id()));
        Event ev = event(d, "deleted", "deployment " + d.name() + " and its files removed", Map.of());
        long seq = store.purge(d.id(), ev);
        cache.remove(d.id());
        runtimes.remove(d.id());
        hub.published(ev.withSeq(seq));
        rt.settle(d);
    }

    /** Delivers an engine's exit notice (from any thread) to the deployment's mailbox. */
    void exited(DeploymentId id, long activation, AppStatus.Exited exit) {
        DeploymentRuntime rt = runtimes.get(id);
        if (rt == null) {
            return;
        }
        rt.mailbox.execute(() -> {
            Deployment d = cache.get(id);
            if (d != null && d.state() == LifecycleState.ACTIVATING && rt.activation == activation) {
                // work that ends at once can report before ACTIVATED (queued by the same start) is taken
                exited(id, activation, exit);
                return;
            }
            if (d == null || rt.activation != activation || !up(d.state())) {
                return;
            }
            rt.quiesce();
            String cause = exit.reason().isBlank() || exit.reason().startsWith("exited") ? "exited with code "
                    + exit.exitCode() : exit.reason() + " (exit code " + exit.exitCode() + ")";
            restartOrGiveUp(rt, d, exit.exitCode(), cause);
        });
    }

    /**
     * The reconciler saw that work which should run has ended. The notice counts only if the
     * deployment is still in the activation the reconciler looked at.
     */
    void reconciled(Deployment seen, AppStatus.Exited exit) {
        DeploymentRuntime rt = runtimes.get(seen.id());
        if (rt == null) {
            return;
        }
        rt.mailbox.execute(() -> {
            Deployment d = cache.get(seen.id());
            if (d != null && d.handle().equals(seen.handle())) {
                exited(seen.id(), rt.activation, exit);
            }
        });
    }

    /** Delivers a prober's verdict to the deployment's mailbox. */
    void health(DeploymentId id, long activation, boolean healthy, String why) {
        DeploymentRuntime rt = runtimes.get(id);
        if (rt == null) {
            return;
        }
        rt.mailbox.execute(() -> {
            Deployment d = cache.get(id);
            if (d == null || rt.activation != activation || !up(d.state())) {
                return;
            }
            if (healthy) {
                if (d.state() == LifecycleState.HEALTH_CHECKING) {
                    advance(rt, d, LifecycleEvent.HEALTHY, x -> x.withHealth(Health.HEALTHY),
                            "running; health check passed");
                }
                return;
            }
            Deployment unhealthy = d.withHealth(Health.UNHEALTHY);
            record(unhealthy, "health", why);
            rt.quiesce();
            restartOrGiveUp(rt, cache.get(id), -1, why);
        });
    }

    private void restartOrGiveUp(DeploymentRuntime rt, Deployment d, int exitCode, String cause) {
        Duration upFor = Duration.between(rt.upSince, clock.instant());
        RestartDecision r = RestartDecision.decide(d.spec().restart(), exitCode, cause, d.restarts(), upFor);
        int code = exitCode >= 0 ? exitCode : d.lastExitCode();
        advance(rt, d, r.event(), x -> x.withExit(code, r.restarts(), r.message()), r.message());
    }

    void backoffElapsed(DeploymentId id, DeploymentRuntime rt) {
        rt.mailbox.execute(() -> {
            Deployment d = cache.get(id);
            if (d != null && d.state() == LifecycleState.BACKING_OFF) {
                rt.restartTimer = null;
                advance(rt, d, LifecycleEvent.BACKOFF_ELAPSED, UnaryOperator.identity(), "");
            }
        });
    }

    static boolean up(LifecycleState s) {
        return s == LifecycleState.HEALTH_CHECKING || s == LifecycleState.RUNNING;
    }

    int backlog(DeploymentId id) {
        DeploymentRuntime rt = runtimes.get(id);
        return rt == null ? 0 : rt.mailbox.backlog();
    }

    Clock clock() {
        return clock;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    Deployment current(DeploymentId id) {
        return cache.get(id);
    }

    // ---- recovery ----------------------------------------------------------------------------

    /**
     * Reloads every deployment after a daemon start and resumes it: running work is reattached
     * through the engine's {@code recover}, and an action that was in flight is repeated.
     * Returns once every deployment has been looked at.
     */
    void recover() {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (Deployment d : store.deployments()) {
            cache.put(d.id(), d);
            DeploymentRuntime rt = runtime(d.id());
            CompletableFuture<Void> f = new CompletableFuture<>();
            done.add(f);
            rt.mailbox.execute(() -> {
                try {
                    LifecycleActions.resume(this, rt, d);
                } catch (RuntimeException e) {
                    LOG.error("could not resume deployment {}: {}", d.id(), e.getMessage(), e);
                } finally {
                    f.complete(null);
                }
            });
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
    }

    void resumeAction(DeploymentRuntime rt, Deployment d, Action a) {
        run(rt, d, a);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private DeploymentRuntime runtime(DeploymentId id) {
        return runtimes.computeIfAbsent(id, k -> new DeploymentRuntime(new SerialExecutor(workers)));
    }

    Event event(Deployment d, String type, String message, Map<String, String> details) {
        return new Event(0, clock.instant(), d.tenant(), d.id().value(), d.name(), type, d.state().name(), message,
                details);
    }

    static void deleteTree(java.nio.file.Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (var p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static EngineHandle handleOf(Deployment d) {
        return d.handle();
    }

    @Override
    public void close() {
        runtimes.values().forEach(rt -> rt.mailbox.execute(rt::quiesce));
    }
}
