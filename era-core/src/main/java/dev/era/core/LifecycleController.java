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
    private final Map<DeploymentId, PortForwarder> forwarders = new ConcurrentHashMap<>();
    private final Map<DeploymentId, Map<String, Drift>> drift = new ConcurrentHashMap<>();
    private final FaultPoints faults;
    private volatile Consumer<Transition> observer = t -> { };

    LifecycleController(StateStore store, Map<String, RuntimePlugin> engines, Layout layout, Clock clock,
                        Scheduler scheduler, EventHub hub) {
        this(store, engines, layout, clock, scheduler, hub, FaultPoints.NONE);
    }

    LifecycleController(StateStore store, Map<String, RuntimePlugin> engines, Layout layout, Clock clock,
                        Scheduler scheduler, EventHub hub, FaultPoints faults) {
        this.faults = faults;
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
        return engine(d.spec());
    }

    RuntimePlugin engine(dev.era.api.AppSpec spec) {
        RuntimePlugin e = engines.get(spec.engine());
        if (e == null) {
            throw new dev.era.api.EngineException("deployment " + spec.name() + " uses engine '" + spec.engine()
                    + "', which this daemon does not have; available: " + String.join(", ", engines.keySet()));
        }
        return e;
    }

    Workload workload(Deployment d) {
        return layout.workload(d);
    }

    Layout layout() {
        return layout;
    }

    /** The spec of one stored version of the deployment. */
    dev.era.api.AppSpec specOf(DeploymentId id, int version) {
        return store.versions(id).stream().filter(v -> v.version() == version).findFirst()
                .map(SpecVersion::spec).orElseThrow(() -> new NotFoundException("deployment " + id
                        + " has no version " + version + "; `era history` lists its versions"));
    }

    List<SpecVersion> versions(DeploymentId id) {
        return store.versions(id);
    }

    FaultPoints faults() {
        return faults;
    }

    /** Points the deployment's public port at {@code port}, opening it first if needed. */
    void forward(Deployment d, int port) {
        forwarders.compute(d.id(), (id, f) -> {
            if (f != null && f.publicPort() == d.spec().port()) {
                f.target(port);
                return f;
            }
            if (f != null) {
                f.close();
            }
            return PortForwarder.open(d.name(), d.spec().port(), port);
        });
    }

    java.util.Optional<PortForwarder> forwarder(DeploymentId id) {
        return java.util.Optional.ofNullable(forwarders.get(id));
    }

    /**
     * Records what the reconciler found changed outside ERA: an event when the difference is new
     * (not for every round that still sees it), and the deployment's status shows it until it is gone.
     */
    void drifted(Deployment d, String kind, String what) {
        Map<String, Drift> mine = drift.computeIfAbsent(d.id(), k -> new ConcurrentHashMap<>());
        Drift before = mine.get(kind);
        if (before != null && before.what().equals(what)) {
            return;
        }
        mine.put(kind, new Drift(kind, what, clock.instant()));
        Event ev = event(d, "drift", "drift (" + kind + "): " + what, Map.of("kind", kind, "what", what));
        hub.published(ev.withSeq(store.append(ev)));
    }

    /** The reconciler no longer sees this difference (a new version was installed, the file was put back). */
    void undrifted(DeploymentId id, String kind) {
        Map<String, Drift> mine = drift.get(id);
        if (mine != null) {
            mine.remove(kind);
        }
    }

    List<Drift> drift(DeploymentId id) {
        return List.copyOf(drift.getOrDefault(id, Map.of()).values());
    }

    /** Closes the deployment's public port (stopped, failed or deleted). */
    void unforward(DeploymentId id) {
        PortForwarder f = forwarders.remove(id);
        if (f != null) {
            f.close();
        }
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
        return onMailbox(id, (rt, d, accepted) -> {
            if (event == LifecycleEvent.STOP_REQUESTED || event == LifecycleEvent.DELETE_REQUESTED) {
                rt.quiesce();
            }
            fire(rt, d, event, UnaryOperator.identity(), "requested by the user", accepted);
        });
    }

    /** Changes the deployment's owner (a warm-pool sandbox claimed by a tenant); its state is untouched. */
    CompletableFuture<Deployment> reassign(DeploymentId id, String tenant) {
        return onMailbox(id, (rt, d, done) -> {
            record(d.withTenant(tenant), "claimed", "given to tenant " + tenant);
            done.complete(cache.get(id));
        });
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
        if (t.action() != Action.NONE) {
            faults.reached("intent " + t.action());
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
        faults.reached("result " + event);
        rt.mailbox.execute(() -> {
            Deployment now = cache.get(d.id());
            if (now != null && now.state() == d.state()) {
                advance(rt, now, event, change, msg);
            }
        });
    }

    /** Writes a change of the row that is not a state change (health, pid), with an event. */
    void record(Deployment d, String type, String message) {
        Deployment stamped = d.withState(d.state(), d.pendingAction(), clock.instant());
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
        drift.remove(d.id());
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
            ended(rt, d, exit);
        });
    }

    private void ended(DeploymentRuntime rt, Deployment d, AppStatus.Exited exit) {
        rt.quiesce();
        String cause = exit.reason().isBlank() || exit.reason().startsWith("exited") ? "exited with code "
                + exit.exitCode() : exit.reason() + " (exit code " + exit.exitCode() + ")";
        restartOrGiveUp(rt, d, exit.exitCode(), cause);
    }

    /**
     * An update's new version exited: before it was accepted the update is rolled back; after the
     * cut-over it is the deployment's own work, and its exit counts as the deployment's.
     */
    void candidateExited(DeploymentId id, long token, AppStatus.Exited exit) {
        DeploymentRuntime rt = runtimes.get(id);
        if (rt == null) {
            return;
        }
        rt.mailbox.execute(() -> {
            Deployment d = cache.get(id);
            if (d == null) {
                return;
            }
            if (rt.candidate == token && (d.state() == LifecycleState.UPDATING
                    || d.state() == LifecycleState.VERIFYING)) {
                rt.stopCandidateChecks();
                advance(rt, d, LifecycleEvent.CANDIDATE_FAILED, UnaryOperator.identity(), "version "
                        + d.rollout().version() + " exited with code " + exit.exitCode() + " before it was accepted"
                        + "; rolling back, version " + d.version() + " keeps serving");
            } else if (rt.promoted == token && up(d.state())) {
                ended(rt, d, exit);
            }
        });
    }

    /** Delivers the verdict on an update's new version (health, minHealthyTime, healthyDeadline). */
    void candidateVerdict(DeploymentId id, long token, boolean healthy, String why) {
        DeploymentRuntime rt = runtimes.get(id);
        if (rt == null) {
            return;
        }
        rt.mailbox.execute(() -> {
            Deployment d = cache.get(id);
            if (d == null || rt.candidate != token || d.state() != LifecycleState.VERIFYING) {
                return;
            }
            rt.stopCandidateChecks();
            advance(rt, d, healthy ? LifecycleEvent.CANDIDATE_HEALTHY : LifecycleEvent.CANDIDATE_FAILED,
                    UnaryOperator.identity(), why);
        });
    }

    // ---- updates and rollbacks ----------------------------------------------------------------

    /**
     * Stores {@code spec} as the next version and moves to it (a running deployment through an
     * update, a stopped or failed one at its next start). An unchanged spec changes nothing.
     * Completes once the intent is stored; a state that takes no update completes with
     * {@link IllegalTransitionException} and nothing is stored.
     */
    CompletableFuture<Deployment> update(DeploymentId id, dev.era.api.AppSpec spec) {
        return onMailbox(id, (rt, d, accepted) -> {
            if (spec.equals(d.spec()) && !d.rollout().active()) {
                accepted.complete(d);
                return;
            }
            requireUpdatable(rt, d);
            int n = store.versions(id).stream().mapToInt(SpecVersion::version).max().orElse(0) + 1;
            Event ev = event(d, "version", "version " + n + " of " + d.name() + " stored (version " + d.version()
                    + " is current)", Map.of("version", Integer.toString(n)));
            long seq = store.addVersion(d, new SpecVersion(id, n, spec, clock.instant()), ev);
            hub.published(ev.withSeq(seq));
            moveTo(rt, d, n, spec, "update to version " + n, accepted);
        });
    }

    /** Moves to an older stored version, as an update does; no version is added. */
    CompletableFuture<Deployment> rollback(DeploymentId id, int version) {
        return onMailbox(id, (rt, d, accepted) -> {
            List<SpecVersion> all = store.versions(id);
            SpecVersion target = all.stream().filter(v -> v.version() == version).findFirst().orElseThrow(() ->
                    new NotFoundException("deployment " + d.name() + " has no version " + version + "; it has "
                            + all.stream().map(v -> Integer.toString(v.version())).toList()
                            + " (`era history " + d.name() + "`)", Map.of("version", version)));
            if (version == d.version() && !d.rollout().active()) {
                throw new dev.era.api.ConflictException("deployment " + d.name() + " already runs version " + version
                        + "; roll back to another one (`era history " + d.name() + "` lists them)",
                        Map.of("version", version));
            }
            requireUpdatable(rt, d);
            moveTo(rt, d, version, target.spec(), "rollback to version " + version + " requested by the user",
                    accepted);
        });
    }

    private void requireUpdatable(DeploymentRuntime rt, Deployment d) {
        if (LifecycleTable.lookup(d.state(), LifecycleEvent.UPDATE_REQUESTED).isEmpty()) {
            throw new IllegalTransitionException(d.id() + " (" + d.name() + ")", d.state().name(),
                    LifecycleEvent.UPDATE_REQUESTED.name(), List.copyOf(rt.history));
        }
    }

    private void moveTo(DeploymentRuntime rt, Deployment d, int version, dev.era.api.AppSpec spec, String reason,
                        CompletableFuture<Deployment> accepted) {
        if (d.state() == LifecycleState.RUNNING) {
            fire(rt, d, LifecycleEvent.UPDATE_REQUESTED, x -> x.withRollout(new Rollout(version, Deployment.NO_HANDLE,
                    0, 0, reason)), reason + " (" + spec.update().strategy().name().toLowerCase().replace('_', '-')
                    + ")", accepted);
        } else {
            fire(rt, d, LifecycleEvent.UPDATE_REQUESTED, x -> x.withVersion(version, spec).withPort(0),
                    reason + "; it runs at the next start", accepted);
        }
    }

    private interface MailboxWork {
        void run(DeploymentRuntime rt, Deployment d, CompletableFuture<Deployment> accepted);
    }

    private CompletableFuture<Deployment> onMailbox(DeploymentId id, MailboxWork work) {
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
                work.run(rt, d, accepted);
            } catch (RuntimeException e) {
                accepted.completeExceptionally(e);
            }
        });
        return accepted;
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

    /** States in which the deployment's public port is open. */
    static boolean serving(LifecycleState s) {
        return switch (s) {
            case ACTIVATING, HEALTH_CHECKING, RUNNING, BACKING_OFF, SUSPENDED, RESUMING, UPDATING, VERIFYING,
                 CUTTING_OVER, ROLLING_BACK -> true;
            default -> false;
        };
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
            if (d.spec().port() > 0 && d.port() > 0 && serving(d.state())) {
                try {
                    forward(d, d.port());
                } catch (RuntimeException e) {
                    LOG.error("deployment {}: {}", d.name(), e.getMessage());
                }
            }
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
        forwarders.values().forEach(PortForwarder::close);
        forwarders.clear();
    }
}
