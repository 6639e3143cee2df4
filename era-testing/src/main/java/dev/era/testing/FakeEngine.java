package dev.era.testing;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.ExitListener;
import dev.era.api.InvalidSpecException;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An in-memory engine, named {@code fake}, that tests steer. It passes {@link EngineConformance}.
 *
 * <p>What the work does follows from the spec's command: {@code ["exit", "<code>"]} ends on its own
 * with that code right after the start, {@code ["exit", "<code>", "<millis>"]} after that many
 * milliseconds; any other command runs until stopped. Tests can also make the next start exit
 * ({@link #exitNextStart}), end running work now ({@link #exit}), make operations fail
 * ({@link #failNext}), and read every call in order ({@link #calls()}).
 *
 * <p>Exits triggered through {@link #exit} call the listener on the caller's thread, so tests built
 * on them are deterministic; delayed exits come from one timer thread. {@link #restarted()} gives
 * the engine a daemon would have after a restart: same running work, no listeners, no call log.
 *
 * <p>Not registered with {@link java.util.ServiceLoader}; tests hand it to the code under test.
 */
public final class FakeEngine implements RuntimePlugin {
    public static final String NAME = "fake";

    public enum Operation { VALIDATE, FETCH, INSTALL, START, STOP, DELETE, STATUS, RECOVER }

    /** One call: the operation and the deployment id (or the spec name for {@code VALIDATE}). */
    public record Call(Operation operation, String subject) {}

    private record PlannedExit(int code, Duration after) {}

    private final FakeHost host;
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private final Map<Operation, Deque<String>> failures = new EnumMap<>(Operation.class);
    private final Deque<PlannedExit> plannedExits = new ArrayDeque<>();

    public FakeEngine() {
        this(Clock.systemUTC());
    }

    /** Start and exit times come from {@code clock}. */
    public FakeEngine(Clock clock) {
        this(new FakeHost(clock));
    }

    private FakeEngine(FakeHost host) {
        this.host = host;
    }

    /** A new instance over the same simulated host, as after a daemon restart; this one's listeners are dropped. */
    public FakeEngine restarted() {
        host.forgetListeners();
        return new FakeEngine(host);
    }

    // ---------------------------------------------------------------- steering

    /** The next call of {@code operation} throws ({@link InvalidSpecException} for VALIDATE, else {@link EngineException}). Queues up. */
    public synchronized void failNext(Operation operation, String message) {
        failures.computeIfAbsent(operation, o -> new ArrayDeque<>()).add(message);
    }

    /** The work of the next start ends on its own with {@code code} after {@code after}. Queues up. */
    public synchronized void exitNextStart(int code, Duration after) {
        plannedExits.add(new PlannedExit(code, after));
    }

    /** Ends running work now with {@code code} and tells its listener on this thread. */
    public void exit(EngineHandle handle, int code) {
        FakeHost.Work work = host.byPid.get(pid(handle));
        if (work == null || !work.end(code, code == 0 ? "exited" : "exited with code " + code, true, host.clock.instant())) {
            throw new IllegalStateException("fake work " + handle + " is not running; start it first");
        }
    }

    /** Ends the running work of a deployment (any version) now, as {@link #exit(EngineHandle, int)}. */
    public void exit(DeploymentId id, int code) {
        FakeHost.Work work = host.current.values().stream()
                .filter(w -> w.key.startsWith(id.value() + "/") && w.running()).findFirst()
                .orElseThrow(() -> new IllegalStateException("deployment " + id + " has no running fake work"));
        work.end(code, code == 0 ? "exited" : "exited with code " + code, true, host.clock.instant());
    }

    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    public long count(Operation operation) {
        return calls().stream().filter(c -> c.operation() == operation).count();
    }

    /** How many works run on the simulated host. */
    public long running() {
        return host.byPid.values().stream().filter(FakeHost.Work::running).count();
    }

    // ---------------------------------------------------------------- RuntimePlugin

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.LOGS);
    }

    @Override
    public void validate(AppSpec spec) {
        called(Operation.VALIDATE, spec.name());
        if (spec.command().isEmpty()) {
            throw new InvalidSpecException("command", "is empty; give the program to run");
        }
    }

    @Override
    public void fetch(Workload workload) {
        called(Operation.FETCH, workload.id().value());
    }

    @Override
    public void install(Workload workload) {
        called(Operation.INSTALL, workload.id().value());
        host.installed.add(key(workload));
    }

    @Override
    public EngineHandle start(Workload workload, ExitListener onExit) {
        called(Operation.START, workload.id().value());
        String key = key(workload);
        if (!host.installed.contains(key)) {
            throw new EngineException("deployment " + workload.id() + " version " + workload.version()
                    + " is not installed on the fake engine; call install first");
        }
        FakeHost.Work current = host.current.get(key);
        if (current != null && current.running()) {
            current.listener = onExit;
            return handle(workload.id(), current.pid);
        }
        FakeHost.Work work = host.spawn(key);
        work.listener = onExit;
        nextPlannedExit().or(() -> fromCommand(workload.spec()))
                .ifPresent(planned -> host.exitLater(work, planned.code(), planned.after()));
        return handle(workload.id(), work.pid);
    }

    @Override
    public void stop(EngineHandle handle, Duration grace) {
        called(Operation.STOP, deployment(handle));
        FakeHost.Work work = host.byPid.get(pid(handle));
        if (work != null) {
            work.end(128 + 15, "stopped", false, host.clock.instant());
        }
    }

    @Override
    public void delete(Workload workload) {
        called(Operation.DELETE, workload.id().value());
        String key = key(workload);
        FakeHost.Work current = host.current.remove(key);
        if (current != null) {
            current.end(128 + 9, "deleted", false, host.clock.instant());
        }
        host.installed.remove(key);
    }

    @Override
    public AppStatus status(EngineHandle handle) {
        called(Operation.STATUS, deployment(handle));
        FakeHost.Work work = host.byPid.get(pid(handle));
        return work == null ? new AppStatus.Gone("no fake work " + handle) : work.status();
    }

    @Override
    public Optional<EngineHandle> recover(EngineHandle handle, Workload workload, ExitListener onExit) {
        called(Operation.RECOVER, deployment(handle));
        FakeHost.Work work = host.byPid.get(pid(handle));
        if (work == null || !work.running()) {
            return Optional.empty();
        }
        work.listener = onExit;
        return Optional.of(handle);
    }

    // ---------------------------------------------------------------- internals

    private void called(Operation operation, String subject) {
        calls.add(new Call(operation, subject));
        String failure;
        synchronized (this) {
            Deque<String> queue = failures.get(operation);
            failure = queue == null ? null : queue.poll();
        }
        if (failure != null) {
            throw operation == Operation.VALIDATE ? new InvalidSpecException("command", failure) : new EngineException(failure);
        }
    }

    private synchronized Optional<PlannedExit> nextPlannedExit() {
        return Optional.ofNullable(plannedExits.poll());
    }

    /** {@code ["exit", code]} or {@code ["exit", code, millis]}; empty for work that runs until stopped. */
    private static Optional<PlannedExit> fromCommand(AppSpec spec) {
        List<String> argv = spec.argv();
        if (argv.size() < 2 || !argv.getFirst().equals("exit")) {
            return Optional.empty();
        }
        Duration after = argv.size() > 2 ? Duration.ofMillis(Long.parseLong(argv.get(2))) : Duration.ZERO;
        return Optional.of(new PlannedExit(Integer.parseInt(argv.get(1)), after));
    }

    private static String key(Workload w) {
        return w.id().value() + "/" + w.version();
    }

    private static EngineHandle handle(DeploymentId id, long pid) {
        return new EngineHandle(NAME, (id.value() + "\n" + pid).getBytes(StandardCharsets.UTF_8));
    }

    private static String[] parts(EngineHandle handle) {
        String[] parts = new String(handle.data(), StandardCharsets.UTF_8).split("\n");
        if (!handle.engine().equals(NAME) || parts.length != 2) {
            throw new EngineException("handle " + handle + " was not made by the fake engine; pass it to its own engine");
        }
        return parts;
    }

    private static long pid(EngineHandle handle) {
        return Long.parseLong(parts(handle)[1]);
    }

    private static String deployment(EngineHandle handle) {
        return parts(handle)[0];
    }
}
