package dev.era.http;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.DeploymentId;
import dev.era.api.IllegalTransitionException;
import dev.era.api.InvalidSpecException;
import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import dev.era.core.Caller;
import dev.era.core.Deployment;
import dev.era.core.DeploymentService;
import dev.era.core.DeploymentStatus;
import dev.era.core.Event;
import dev.era.core.Health;
import dev.era.core.LifecycleState;
import dev.era.core.PluginInfo;
import dev.era.core.SpecVersion;
import dev.era.core.Subscription;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory {@link DeploymentService} for API tests. Deployments move through VALIDATING and
 * ACTIVATING to RUNNING on a background thread (so that {@code await} and event streams have
 * something to wait for); a spec whose env has {@value #FAIL_ENV} ends FAILED with that message.
 * {@link #failNext} makes the next call throw, to test error mapping.
 */
public final class FakeDeploymentService implements DeploymentService {
    /** Spec env variable: the deployment ends FAILED with its value as the message. */
    public static final String FAIL_ENV = "FAKE_FAIL";

    private record Follower<T>(Caller caller, String deployment, Consumer<T> sink) {}

    private final Object lock = new Object();
    private final Map<DeploymentId, Deployment> deployments = new LinkedHashMap<>();
    private final Map<DeploymentId, List<String>> logs = new LinkedHashMap<>();
    private final Map<DeploymentId, List<SpecVersion>> versions = new LinkedHashMap<>();
    private final List<Event> events = new ArrayList<>();
    private final List<Follower<Event>> eventFollowers = new CopyOnWriteArrayList<>();
    private final List<Follower<String>> logFollowers = new CopyOnWriteArrayList<>();
    private final Duration step;
    private volatile RuntimeException nextFailure;
    private long seq;
    private final List<long[]> reads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private int pids = 4000;

    public FakeDeploymentService() {
        this(Duration.ofMillis(5));
    }

    /** @param step how long each background lifecycle step takes */
    public FakeDeploymentService(Duration step) {
        this.step = step;
    }

    /** The next call of any method throws {@code failure} (once). */
    public void failNext(RuntimeException failure) {
        nextFailure = failure;
    }

    public void reset() {
        synchronized (lock) {
            deployments.clear();
            logs.clear();
            versions.clear();
            events.clear();
            eventFollowers.clear();
            logFollowers.clear();
            nextFailure = null;
            seq = 0;
            reads.clear();
        }
    }

    /** Appends a line to a deployment's log, as its app would. */
    public void appendLog(String ref, String line) {
        synchronized (lock) {
            Deployment d = find(Caller.ADMIN, ref);
            logs.get(d.id()).add(line);
            for (Follower<String> f : logFollowers) {
                if (f.deployment().equals(d.id().value())) {
                    f.sink().accept(line);
                }
            }
        }
    }

    /** Records a daemon-wide event (no deployment). */
    public void publish(String tenant, String type, String message) {
        synchronized (lock) {
            append(new Event(0, Instant.now(), tenant, "", "", type, "", message, Map.of()));
        }
    }

    public int followers() {
        return eventFollowers.size() + logFollowers.size();
    }

    @Override
    public List<PluginInfo> plugins() {
        maybeFail();
        return List.of(new PluginInfo("process", EnumSet.of(Capability.LOGS, Capability.METRICS, Capability.SANDBOX)),
                new PluginInfo("wasm", Set.of(Capability.WASM)));
    }

    @Override
    public Deployment deploy(Caller caller, AppSpec spec) {
        maybeFail();
        if (plugins().stream().noneMatch(p -> p.name().equals(spec.engine()))) {
            throw new InvalidSpecException("engine", "there is no engine '" + spec.engine() + "'; see GET /plugins");
        }
        Deployment d;
        synchronized (lock) {
            boolean taken = deployments.values().stream()
                    .anyMatch(x -> x.tenant().equals(caller.tenant()) && x.name().equals(spec.name()));
            if (taken) {
                throw new ConflictException("tenant " + caller.tenant() + " already has a deployment named "
                        + spec.name() + "; delete it first or choose another name", Map.of("name", spec.name()));
            }
            Instant now = Instant.now();
            d = new Deployment(DeploymentId.random(), caller.tenant(), spec.name(), 1, spec, LifecycleState.VALIDATING,
                    "", Deployment.NO_HANDLE, 0, Health.UNKNOWN, 0, -1, "", now, now);
            deployments.put(d.id(), d);
            logs.put(d.id(), new ArrayList<>());
            transitionEvent(d, "created");
        }
        String failure = spec.env().get(FAIL_ENV);
        runLater(d.id(), LifecycleState.ACTIVATING, failure == null ? LifecycleState.RUNNING : LifecycleState.FAILED,
                failure == null ? "" : failure);
        return d;
    }

    @Override
    public Deployment await(Caller caller, String ref, Duration timeout) {
        maybeFail();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            Deployment d = find(caller, ref);
            while (!d.state().settled()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return d;
                }
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return d;
                }
                Deployment now = deployments.get(d.id());
                if (now == null) {
                    return d.withState(LifecycleState.DELETED, "", Instant.now());
                }
                d = now;
            }
            return d;
        }
    }

    @Override
    public List<Deployment> list(Caller caller) {
        maybeFail();
        synchronized (lock) {
            return deployments.values().stream().filter(d -> caller.sees(d.tenant())).toList();
        }
    }

    @Override
    public Deployment get(Caller caller, String ref) {
        maybeFail();
        synchronized (lock) {
            return find(caller, ref);
        }
    }

    @Override
    public DeploymentStatus status(Caller caller, String ref, int logLines) {
        maybeFail();
        synchronized (lock) {
            Deployment d = find(caller, ref);
            AppStatus observed = switch (d.state()) {
                case RUNNING -> new AppStatus.Running(d.pid(), d.updatedAt());
                case STOPPED, FAILED -> new AppStatus.Exited(d.lastExitCode() == -1 ? 143 : d.lastExitCode(),
                        "killed by SIGTERM", d.updatedAt());
                default -> new AppStatus.Gone("not started");
            };
            return new DeploymentStatus(d, observed, tail(logs.get(d.id()), logLines));
        }
    }

    @Override
    public Deployment stop(Caller caller, String ref) {
        maybeFail();
        Deployment d;
        synchronized (lock) {
            d = find(caller, ref);
            if (d.state() != LifecycleState.RUNNING) {
                throw new IllegalTransitionException(d.id().value(), d.state().name(), "stop", List.of(d.state().name()));
            }
            d = move(d, LifecycleState.STOPPING, "stopping");
        }
        runLater(d.id(), LifecycleState.STOPPING, LifecycleState.STOPPED, "stopped by request");
        return d;
    }

    @Override
    public Deployment start(Caller caller, String ref) {
        maybeFail();
        Deployment d;
        synchronized (lock) {
            d = find(caller, ref);
            if (d.state() != LifecycleState.STOPPED && d.state() != LifecycleState.FAILED) {
                throw new IllegalTransitionException(d.id().value(), d.state().name(), "start", List.of(d.state().name()));
            }
            d = move(d, LifecycleState.ACTIVATING, "starting");
        }
        runLater(d.id(), LifecycleState.ACTIVATING, LifecycleState.RUNNING, "");
        return d;
    }

    @Override
    public Deployment update(Caller caller, String ref, AppSpec spec) {
        maybeFail();
        synchronized (lock) {
            Deployment d = find(caller, ref);
            if (!spec.name().equals(d.name())) {
                throw new InvalidSpecException("name", "the spec is named '" + spec.name() + "' but updates deployment '"
                        + d.name() + "'; a new name is a new deployment");
            }
            List<SpecVersion> all = versions.computeIfAbsent(d.id(), k -> new ArrayList<>(
                    List.of(new SpecVersion(d.id(), 1, d.spec(), d.createdAt()))));
            int n = all.getLast().version() + 1;
            all.add(new SpecVersion(d.id(), n, spec, Instant.now()));
            return move(d.withVersion(n, spec), d.state(), "update to version " + n);
        }
    }

    @Override
    public Deployment rollback(Caller caller, String ref, int version) {
        maybeFail();
        synchronized (lock) {
            Deployment d = find(caller, ref);
            List<SpecVersion> all = versions(caller, ref);
            int to = version == 0 ? d.version() - 1 : version;
            SpecVersion v = all.stream().filter(x -> x.version() == to).findFirst().orElseThrow(() ->
                    new NotFoundException("deployment " + d.name() + " has no version " + to));
            return move(d.withVersion(to, v.spec()), d.state(), "rollback to version " + to);
        }
    }

    @Override
    public List<SpecVersion> versions(Caller caller, String ref) {
        maybeFail();
        synchronized (lock) {
            Deployment d = find(caller, ref);
            return List.copyOf(versions.getOrDefault(d.id(), List.of(new SpecVersion(d.id(), 1, d.spec(),
                    d.createdAt()))));
        }
    }

    @Override
    public Deployment delete(Caller caller, String ref) {
        maybeFail();
        synchronized (lock) {
            Deployment d = find(caller, ref);
            deployments.remove(d.id());
            logs.remove(d.id());
            Deployment gone = d.withState(LifecycleState.DELETED, "", Instant.now()).withHandle(Deployment.NO_HANDLE, 0);
            transitionEvent(gone, "deleted");
            lock.notifyAll();
            return gone;
        }
    }

    @Override
    public List<Event> events(Caller caller, long afterSeq, int limit) {
        maybeFail();
        reads.add(new long[]{afterSeq, limit});
        synchronized (lock) {
            return events.stream().filter(e -> e.seq() > afterSeq && caller.sees(e.tenant())).limit(limit).toList();
        }
    }

    /** {@code (afterSeq, limit)} of every {@link #events} call since the last reset, in order. */
    public List<long[]> eventReads() {
        return List.copyOf(reads);
    }

    @Override
    public long lastEventSeq() {
        maybeFail();
        synchronized (lock) {
            return seq;
        }
    }

    @Override
    public Subscription followEvents(Caller caller, long afterSeq, Consumer<Event> sink) {
        maybeFail();
        Follower<Event> f = new Follower<>(caller, "", sink);
        synchronized (lock) {
            events.stream().filter(e -> e.seq() > afterSeq && caller.sees(e.tenant())).forEach(sink);
            eventFollowers.add(f);
        }
        return () -> eventFollowers.remove(f);
    }

    @Override
    public List<String> logs(Caller caller, String ref, int lines) {
        maybeFail();
        synchronized (lock) {
            return tail(logs.get(find(caller, ref).id()), lines);
        }
    }

    @Override
    public Subscription followLogs(Caller caller, String ref, int lines, Consumer<String> sink) {
        maybeFail();
        Follower<String> f;
        synchronized (lock) {
            Deployment d = find(caller, ref);
            tail(logs.get(d.id()), lines).forEach(sink);
            f = new Follower<>(caller, d.id().value(), sink);
            logFollowers.add(f);
        }
        return () -> logFollowers.remove(f);
    }

    private void runLater(DeploymentId id, LifecycleState via, LifecycleState end, String message) {
        Thread.ofVirtual().name("fake-lifecycle").start(() -> {
            try {
                Thread.sleep(step);
                synchronized (lock) {
                    Deployment d = deployments.get(id);
                    if (d == null) {
                        return;
                    }
                    if (d.state() != via) {
                        d = move(d, via, "");
                    }
                }
                Thread.sleep(step);
                synchronized (lock) {
                    Deployment d = deployments.get(id);
                    if (d == null) {
                        return;
                    }
                    if (end == LifecycleState.RUNNING) {
                        d = d.withHandle(d.handle(), ++pids);
                        String line = "started " + d.name() + " (pid " + d.pid() + ")";
                        logs.get(id).add(line);
                        logFollowers.stream().filter(f -> f.deployment().equals(id.value()))
                                .forEach(f -> f.sink().accept(line));
                    } else if (end == LifecycleState.STOPPED) {
                        d = d.withHandle(Deployment.NO_HANDLE, 0).withExit(143, d.restarts(), message);
                    } else if (end == LifecycleState.FAILED) {
                        d = d.withHandle(Deployment.NO_HANDLE, 0).withExit(1, d.restarts(), message);
                    }
                    move(d, end, message);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Caller holds the lock. */
    private Deployment move(Deployment d, LifecycleState next, String message) {
        Deployment moved = d.withState(next, "", Instant.now()).withMessage(message);
        deployments.put(moved.id(), moved);
        transitionEvent(moved, message);
        lock.notifyAll();
        return moved;
    }

    private void transitionEvent(Deployment d, String message) {
        append(new Event(0, Instant.now(), d.tenant(), d.id().value(), d.name(), "transition", d.state().name(),
                message, Map.of("version", Integer.toString(d.version()))));
    }

    private void append(Event e) {
        Event numbered = e.withSeq(++seq);
        events.add(numbered);
        for (Follower<Event> f : eventFollowers) {
            if (f.caller().sees(numbered.tenant())) {
                f.sink().accept(numbered);
            }
        }
    }

    private Deployment find(Caller caller, String ref) {
        for (Deployment d : deployments.values()) {
            if ((d.id().value().equals(ref) || d.name().equals(ref)) && caller.sees(d.tenant())
                    && (DeploymentId.looksLikeId(ref) || d.tenant().equals(caller.tenant()) || caller.admin())) {
                return d;
            }
        }
        throw new NotFoundException("there is no deployment '" + ref + "'; list them with GET /deployments",
                Map.of("ref", ref));
    }

    private static List<String> tail(List<String> lines, int n) {
        return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private void maybeFail() {
        RuntimeException f = nextFailure;
        if (f != null) {
            nextFailure = null;
            throw f;
        }
    }
}
