package dev.era.core;

import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.DeploymentId;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.ExitListener;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** An engine whose work is a map entry; tests make work exit and operations fail. */
final class ScriptedEngine implements RuntimePlugin, dev.era.api.Pausable, dev.era.api.Checkpointable,
        dev.era.api.LimitsObservable {
    record Work(long pid, DeploymentId id, int version, ExitListener listener) {}

    final Map<Long, Work> running = new ConcurrentHashMap<>();
    final Map<Long, Integer> exited = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** Operations that wait for their latch: lets a test act while a deployment is in that phase. */
    final Map<String, java.util.concurrent.CountDownLatch> gates = new ConcurrentHashMap<>();
    private final AtomicLong pids = new AtomicLong(1000);
    /** {@code name:version} of work that exits with code 1 as soon as it starts. */
    final Set<String> dieAtStart = ConcurrentHashMap.newKeySet();

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.LOGS);
    }

    private void call(String op, Workload w) {
        call(op, w.id().value());
    }

    private void call(String op, String subject) {
        calls.add(op + " " + subject);
        var gate = gates.get(op);
        if (gate != null) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failing.contains(op)) {
            throw new EngineException(op + " failed on purpose");
        }
    }

    @Override
    public void validate(dev.era.api.AppSpec spec) {
        // the request validates once before storing; the gate holds only the lifecycle's own VALIDATE
        boolean lifecycle = calls.contains("validate " + spec.name());
        calls.add("validate " + spec.name());
        if (failing.contains("validate") && lifecycle) {
            throw new dev.era.api.InvalidSpecException("command", "rejected on purpose");
        }
        var gate = gates.get("validate");
        if (gate != null && lifecycle) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void fetch(Workload w) {
        call("fetch", w);
    }

    @Override
    public void install(Workload w) {
        call("install", w);
    }

    @Override
    public EngineHandle start(Workload w, ExitListener onExit) {
        call("start", w);
        for (Work work : running.values()) {
            if (work.id().equals(w.id()) && work.version() == w.version()) {
                running.put(work.pid(), new Work(work.pid(), work.id(), work.version(), onExit));
                return handle(work.pid());
            }
        }
        long pid = pids.incrementAndGet();
        if (dieAtStart.contains(w.spec().name() + ":" + w.version())) {
            exited.put(pid, 1);
            onExit.exited(new AppStatus.Exited(1, "exited", Instant.EPOCH));
            return handle(pid);
        }
        running.put(pid, new Work(pid, w.id(), w.version(), onExit));
        return handle(pid);
    }

    @Override
    public void stop(EngineHandle h, Duration grace) {
        call("stop", Long.toString(pid(h)));
        running.remove(pid(h));
    }

    @Override
    public void delete(Workload w) {
        call("delete", w);
        // like a real engine: the version's work goes with its files
        running.values().removeIf(x -> x.id().equals(w.id()) && x.version() == w.version());
    }

    @Override
    public AppStatus status(EngineHandle h) {
        long pid = pid(h);
        if (running.containsKey(pid)) {
            return new AppStatus.Running(pid, Instant.EPOCH);
        }
        Integer code = exited.get(pid);
        return code == null ? new AppStatus.Gone("unknown") : new AppStatus.Exited(code, "exited", Instant.EPOCH);
    }

    @Override
    public Optional<EngineHandle> recover(EngineHandle h, Workload w, ExitListener onExit) {
        calls.add("recover " + pid(h));
        Work work = running.get(pid(h));
        if (work == null) {
            return Optional.empty();
        }
        running.put(work.pid(), new Work(work.pid(), work.id(), work.version(), onExit));
        return Optional.of(h);
    }

    final Set<Long> paused = ConcurrentHashMap.newKeySet();

    @Override
    public void pause(EngineHandle h) {
        call("pause", Long.toString(pid(h)));
        paused.add(pid(h));
    }

    @Override
    public void resume(EngineHandle h) {
        call("resume", Long.toString(pid(h)));
        paused.remove(pid(h));
    }

    @Override
    public boolean paused(EngineHandle h) {
        return paused.contains(pid(h));
    }

    /** pid -> the limits "in force" for that work; work not listed reports none. */
    final Map<Long, dev.era.api.Resources> limitsInForce = new ConcurrentHashMap<>();

    @Override
    public Optional<dev.era.api.Resources> observedLimits(EngineHandle h) {
        return Optional.ofNullable(limitsInForce.get(pid(h)));
    }

    /** Whether this engine's host "has CRIU"; off by default, so suspend freezes. */
    volatile boolean checkpoints;
    /** pid of checkpointed work -> the work, off the running map until restored. */
    final Map<Long, Work> onDisk = new ConcurrentHashMap<>();

    @Override
    public Optional<String> checkpointProblem() {
        return checkpoints ? Optional.empty() : Optional.of("scripted: no CRIU");
    }

    @Override
    public void checkpoint(EngineHandle h) {
        call("checkpoint", Long.toString(pid(h)));
        Work work = running.remove(pid(h));
        if (work == null) {
            throw new EngineException("nothing runs as " + pid(h));
        }
        onDisk.put(work.pid(), work);
    }

    @Override
    public boolean checkpointed(EngineHandle h) {
        return onDisk.containsKey(pid(h));
    }

    @Override
    public EngineHandle restore(EngineHandle h, Workload w, ExitListener onExit) {
        call("restore", Long.toString(pid(h)));
        Work work = onDisk.remove(pid(h));
        running.put(work.pid(), new Work(work.pid(), work.id(), work.version(), onExit));
        return h;
    }

    /** Makes the work of deployment {@code id} end with {@code code}, as if the process exited. */
    void exit(DeploymentId id, int code) {
        Work work = running.values().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
        running.remove(work.pid());
        exited.put(work.pid(), code);
        work.listener().exited(new AppStatus.Exited(code, "exited", Instant.EPOCH));
    }

    /** Makes the work of one version of deployment {@code id} end with {@code code}. */
    void exit(DeploymentId id, int version, int code) {
        Work work = running.values().stream().filter(x -> x.id().equals(id) && x.version() == version).findFirst()
                .orElseThrow();
        running.remove(work.pid());
        exited.put(work.pid(), code);
        work.listener().exited(new AppStatus.Exited(code, "exited", Instant.EPOCH));
    }

    /** The versions of deployment {@code id} whose work runs. */
    List<Integer> versionsRunning(DeploymentId id) {
        return running.values().stream().filter(x -> x.id().equals(id)).map(Work::version).sorted().toList();
    }

    long pidOf(DeploymentId id) {
        return running.values().stream().filter(x -> x.id().equals(id)).mapToLong(Work::pid).findFirst().orElse(0);
    }

    private static EngineHandle handle(long pid) {
        return new EngineHandle("scripted", Long.toString(pid).getBytes(StandardCharsets.UTF_8));
    }

    private static long pid(EngineHandle h) {
        return Long.parseLong(new String(h.data(), StandardCharsets.UTF_8));
    }
}
