package dev.era.engine.process;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.Exec;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;
import dev.era.api.ExitListener;
import dev.era.api.FileAccess;
import dev.era.api.Pausable;
import dev.era.api.LimitsObservable;
import dev.era.api.Resources;
import dev.era.api.RuntimePlugin;
import dev.era.api.Volume;
import dev.era.api.Workload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Runs native programs as host processes.
 *
 * <p>Each start runs a small {@code /bin/sh} wrapper in a new session (through {@code setsid}),
 * with output appended straight to the workload's log file, so the work survives a crash of the
 * daemon. The wrapper places the program into its cgroup before exec'ing it (limits on memory,
 * pids and cpu, through cgroup v2 or v1), waits for it and writes its exit status into the run
 * directory. The handle holds the wrapper's pid and its kernel start time, so a pid reused by
 * another process is never taken for ours. A state file in the run directory makes {@code start}
 * idempotent across daemon restarts.
 *
 * <p>Work whose spec asks for {@code isolation: sandbox} runs the same way, but under bubblewrap
 * as an unprivileged user in its own namespaces with a seccomp filter ({@link SandboxLauncher});
 * commands can be exec'd into it, with or without a terminal ({@link SandboxExec}); its
 * {@code /workspace}, {@code /tmp} and {@code /home/user} are host directories under the volumes
 * directory ({@link #fileRoots}), kept across stops, restarts and versions.
 *
 * <p>Work can be paused with the cgroup freezer: its processes stop where they are, keep their
 * memory and get no CPU. Paused work still reports {@link AppStatus.Running} (it exists and will go
 * on); {@link #paused} tells. A stop thaws it first, so that its processes can take the signals.
 *
 * <p>Needs {@code /proc}, {@code /bin/sh} and {@code setsid} (util-linux); limits need root (or a
 * delegated cgroup subtree); sandboxes need root, x86_64, bubblewrap, setpriv and perl.
 */
public final class ProcessEngine implements RuntimePlugin, Exec, FileAccess, Pausable, LimitsObservable {
    /** The daemon's environment variable that, set to {@code off}, runs sandboxes without exec agents. */
    static final String EXEC_AGENT_SWITCH = "ERA_EXEC_AGENT";
    private static final String STATE = "state";
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final Duration STOP_POLL = Duration.ofMillis(20);
    private static final Duration READY_WAIT = Duration.ofSeconds(5);
    private static final Duration FREEZE_WAIT = Duration.ofSeconds(5);
    private static final long READY_POLL_NANOS = 200_000;
    private static final Logger LOG = LoggerFactory.getLogger(ProcessEngine.class);

    private final Launcher launcher;
    private final Cgroups cgroups;
    private final SandboxHost sandboxHost;
    private final SandboxLauncher sandboxes;
    private final SandboxExec execs;
    private final StandbyStarts standbys;
    private final ExecAgents agents;
    private final Clock clock;
    private final ExitWatcher watcher = new ExitWatcher(this::ended);
    private final Map<Path, Object> locks = new ConcurrentHashMap<>();

    /** Reads the daemon's environment and the host's cgroup setup once. */
    public ProcessEngine() {
        this(System.getenv(), Cgroups.detect(), Clock.systemUTC());
    }

    ProcessEngine(Map<String, String> daemonEnv, Cgroups cgroups, Clock clock) {
        this(daemonEnv, cgroups, clock, SandboxHost.detect(Launcher.hostEnv(daemonEnv).get("PATH"), SandboxHost.DEFAULT_HOST_ID,
                SandboxHost.DEFAULT_STAGING));
    }

    ProcessEngine(Map<String, String> daemonEnv, Cgroups cgroups, Clock clock, SandboxHost sandboxHost) {
        Map<String, String> hostEnv = Launcher.hostEnv(daemonEnv);
        Path setsid = Executables.onPath("setsid", hostEnv.get("PATH") + ":/usr/bin:/bin").orElse(Path.of("/usr/bin/setsid"));
        this.launcher = new Launcher(hostEnv, setsid);
        this.cgroups = cgroups;
        this.clock = clock;
        this.sandboxHost = sandboxHost;
        this.sandboxes = new SandboxLauncher(sandboxHost);
        this.standbys = new StandbyStarts(launcher, cgroups instanceof CgroupV1 v1 ? v1 : null,
                sandboxHost.stagingRoot().resolveSibling("standby"),
                sandboxHost.available() && cgroups instanceof CgroupV1 ? standbySize(daemonEnv) : 0);
        // ERA_EXEC_AGENT=off keeps every exec on the applier path (to compare the two, or to rule the agent out)
        boolean agent = sandboxHost.available() && !"off".equals(daemonEnv.get(EXEC_AGENT_SWITCH));
        this.agents = new ExecAgents(sandboxHost, agent
                ? ExecAgentBinary.prepare(sandboxHost.stagingRoot().getParent(), Executables.onPath("cc", hostEnv.get("PATH")
                        + ":/usr/bin:/bin"))
                : ExecAgentBinary.none());
        this.execs = new SandboxExec(sandboxHost, agents);
        LOG.info("process engine: {}, setsid {}, sandboxes {}", cgroups.describe(), setsid,
                sandboxHost.available() ? "as host uid " + sandboxHost.hostUid() : "unavailable: " + sandboxHost.problem());
    }

    @Override
    public String name() {
        return WorkRef.ENGINE;
    }

    @Override
    public Set<Capability> capabilities() {
        Set<Capability> capabilities = EnumSet.of(Capability.LOGS, Capability.VOLUME);
        if (sandboxHost.available()) {
            capabilities.addAll(EnumSet.of(Capability.SANDBOX, Capability.NAMESPACES, Capability.EXEC, Capability.PTY,
                    Capability.FILES));
        }
        return capabilities;
    }

    @Override
    public void validate(AppSpec spec) {
        if (spec.isolation().sandboxed()) {
            sandboxes.validate(spec);
        } else {
            AppSpecs.validate(spec, launcher.path());
        }
    }

    @Override
    public void fetch(Workload workload) {
        Artifacts.fetch(workload);
    }

    @Override
    public void install(Workload workload) {
        Artifacts.install(workload);
    }

    @Override
    public EngineHandle start(Workload workload, ExitListener onExit) {
        Workload w = absolute(workload);
        synchronized (lock(w.runDir())) {
            Path stateFile = w.runDir().resolve(STATE);
            Optional<WorkRef> running = WorkRef.load(stateFile).filter(WorkRef::alive);
            if (running.isPresent()) {
                watcher.watchReattached(running.get(), onExit);
                agents.startSoon(running.get());
                return running.get().handle();
            }
            prepareDirs(w);
            boolean sandboxed = w.spec().isolation().sandboxed();
            Path workDir = sandboxed ? w.runDir() : appWorkDir(w);
            if (sandboxed) {
                sandboxHost.requireAvailable(w.id());
            }
            String prefix = cgroupPrefix(w);
            cleanUp(cgroups.leftovers(prefix)); // from a start that crashed before it saved its state
            String token = Long.toString(clock.millis(), 36) + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
            Optional<StandbyStarts.Claimed> standby = sandboxed ? standbys.claim(prefix + token, w.spec().resources())
                    : Optional.empty();
            Cgroup cgroup = standby.map(StandbyStarts.Claimed::cgroup)
                    .orElseGet(() -> cgroups.create(prefix + token, w.spec().resources()));
            Path exitFile = w.runDir().resolve("exit-" + token);
            Path readyFile = w.runDir().resolve("ready-" + token);
            Launched launched;
            try {
                launched = sandboxed ? launchSandbox(w, token, cgroup, exitFile, readyFile, standby)
                        : launchApp(w, workDir, cgroup, exitFile, readyFile);
            } catch (EngineException e) {
                cleanUp(cgroup);
                throw e;
            }
            Process process = launched.process();
            // 0 when the work already ended (and was reaped): then it is never taken as running
            long ticks = ProcStat.read(process.pid()).filter(s -> !s.zombie()).map(ProcStat::startTicks).orElse(0L);
            WorkRef ref = new WorkRef(process.pid(), ticks, clock.instant(), w.runDir(), exitFile, cgroup.dirs(),
                    launched.init().pid(), launched.init().ticks());
            try {
                ref.save(stateFile);
            } catch (EngineException e) {
                // untracked work would run on unseen and a retried start would run a second copy
                Signals.group("KILL", process.pid());
                cleanUp(cgroup);
                throw e;
            }
            if (sandboxed) {
                agents.startSoon(ref); // in the background: an exec meanwhile waits for it, or takes the applier
            }
            watcher.watchSpawned(ref, process, onExit);
            return ref.handle();
        }
    }

    /** A launched start: the wrapper, and for a sandbox its init ({@link SandboxLauncher.Init#NONE} otherwise). */
    private record Launched(Process process, SandboxLauncher.Init init) {}

    private Path appWorkDir(Workload w) {
        Path workDir = w.spec().workingDir().isEmpty() ? w.installDir() : Path.of(w.spec().workingDir());
        if (!Files.isDirectory(workDir)) {
            throw new EngineException("deployment " + w.id() + ": working directory " + workDir + " does not exist; "
                    + "create it or fix workingDir", Map.of("deployment", w.id().value()));
        }
        checkProgram(w, workDir, launcher.environment(w).get("PATH"));
        return workDir;
    }

    private Launched launchApp(Workload w, Path workDir, Cgroup cgroup, Path exitFile, Path readyFile) {
        Process process = launcher.launch(w, workDir, launcher.environment(w), cgroup, exitFile, readyFile, List.of(),
                w.spec().argv());
        awaitReady(w, process, readyFile);
        return new Launched(process, SandboxLauncher.Init.NONE);
    }

    /** The root side of a sandbox start gets a bare environment: the spec's reaches only the sandbox. */
    private Launched launchSandbox(Workload w, String token, Cgroup cgroup, Path exitFile, Path readyFile,
                                   Optional<StandbyStarts.Claimed> standby) {
        SandboxLauncher.Prepared prepared;
        try {
            prepared = sandboxes.prepare(w, token);
        } catch (EngineException e) {
            standby.ifPresent(s -> Signals.group("KILL", s.standby().process().pid()));
            throw e;
        }
        try {
            Process process;
            if (standby.isPresent()) {
                process = standby.get().standby().process();
                try {
                    launcher.resume(standby.get().standby(), w, cgroup, exitFile, readyFile, prepared.files(),
                            prepared.argv());
                } catch (EngineException e) {
                    Signals.group("KILL", process.pid());
                    throw e;
                }
            } else {
                process = launcher.launch(w, w.runDir(), Map.of("PATH", SandboxHost.PATH), cgroup, exitFile, readyFile,
                        prepared.files(), prepared.argv());
            }
            awaitReady(w, process, readyFile);
            try {
                return new Launched(process, sandboxes.awaitInit(w, process, prepared));
            } catch (EngineException e) {
                Signals.group("KILL", process.pid());
                throw e;
            }
        } finally {
            sandboxes.unstageLater(prepared.staging()); // the sandbox holds its own copies of the mounts by now
        }
    }

    @Override
    public void stop(EngineHandle handle, Duration grace) {
        WorkRef ref = WorkRef.decode(handle);
        synchronized (lock(ref.runDir())) {
            watcher.cancel(ref);
            Cgroup cgroup = new Cgroup(ref.cgroupDirs());
            cgroup.requestFrozen(false); // frozen processes would not take the signals
            if (ref.alive()) {
                // the wrapper leads the group; while it is alive, its pid is surely ours to signal
                Signals.group("TERM", ref.pid());
                if (!waitUntilGone(ref, cgroup, grace, false)) {
                    if (!waitUntilGone(ref, cgroup, KILL_WAIT, true)) {
                        throw new EngineException("process " + ref.pid() + " (run dir " + ref.runDir() + ") is still there "
                                + KILL_WAIT.toSeconds() + " s after SIGKILL; it may be stuck in the kernel (D state), check the host",
                                Map.of("pid", ref.pid()));
                    }
                    if (ExitRecord.read(ref.exitFile()).isEmpty()) {
                        ExitRecord.write(ref.exitFile(), 128 + 9); // the wrapper died with the group and could not
                    }
                }
            }
            cleanUp(cgroup);
            if (ref.sandboxed()) {
                agents.forget(ref);
            }
        }
    }

    @Override
    public void delete(Workload workload) {
        Workload w = absolute(workload);
        synchronized (lock(w.runDir())) {
            // once the run directory is gone nothing could find running work again, so stop it first
            WorkRef.load(w.runDir().resolve(STATE)).filter(WorkRef::alive).ifPresent(ref ->
                    stop(ref.handle(), Objects.requireNonNullElse(w.spec().stopTimeout(), Duration.ZERO)));
            cleanUp(cgroups.leftovers(cgroupPrefix(w)));
            Artifacts.forget(w);
            try {
                Artifacts.deleteTree(w.installDir());
                Artifacts.deleteTree(w.runDir());
            } catch (IOException e) {
                throw new EngineException("deployment " + w.id() + ": cannot delete " + w.installDir() + " or " + w.runDir()
                        + ": " + e.getMessage() + "; check permissions and retry", Map.of("deployment", w.id().value()), e);
            }
        }
    }

    /** The work's cgroup values now; empty without a cgroup or once the work has ended. */
    @Override
    public Optional<Resources> observedLimits(EngineHandle handle) {
        WorkRef ref = WorkRef.decode(handle);
        return ref.alive() ? CgroupLimits.read(ref.cgroupDirs()) : Optional.empty();
    }

    @Override
    public AppStatus status(EngineHandle handle) {
        WorkRef ref = WorkRef.decode(handle);
        if (ref.alive()) {
            return new AppStatus.Running(ref.pid(), ref.startedAt());
        }
        return ExitRecord.read(ref.exitFile()).<AppStatus>map(ExitRecord::toExited)
                .orElseGet(() -> new AppStatus.Gone("process " + ref.pid() + " started at " + ref.startedAt()
                        + " no longer runs and left no exit record in " + ref.exitFile()));
    }

    @Override
    public Optional<EngineHandle> recover(EngineHandle handle, Workload workload, ExitListener onExit) {
        WorkRef ref = WorkRef.decode(handle);
        if (!ref.alive()) {
            return Optional.empty();
        }
        watcher.watchReattached(ref, onExit);
        agents.startSoon(ref); // an agent survives the daemon; one that did not is started again
        return Optional.of(handle);
    }

    /**
     * Runs a command inside a running sandbox ({@link SandboxExec}); works on sandboxes recovered after a
     * daemon restart, since everything it needs is in the handle and the run directory.
     */
    @Override
    public ExecProcess exec(EngineHandle handle, ExecSpec spec) {
        WorkRef ref = WorkRef.decode(handle);
        if (!ref.sandboxed()) {
            throw new EngineException("exec runs commands in sandboxes only; this work (run dir " + ref.runDir()
                    + ") is a plain process, deploy it with isolation: sandbox", Map.of("runDir", ref.runDir().toString()));
        }
        if (!ref.alive() || !ref.initAlive()) {
            throw new EngineException("the sandbox of " + ref.runDir() + " does not run; start it before exec",
                    Map.of("runDir", ref.runDir().toString()));
        }
        if (new Cgroup(ref.cgroupDirs()).frozen()) {
            throw new EngineException("the sandbox of " + ref.runDir() + " is paused; resume it before exec",
                    Map.of("runDir", ref.runDir().toString()));
        }
        return execs.exec(ref, spec);
    }

    /**
     * For a sandbox, its {@code /workspace}, {@code /tmp} and {@code /home/user}, owned by the sandbox's host
     * user (files the daemon writes there should be given to the owner of the root they are in). Empty for
     * plain processes: they see the host's filesystem, and their volumes are not served as files.
     */
    @Override
    public Map<String, Path> fileRoots(Workload workload) {
        return workload.spec().isolation().sandboxed() ? sandboxes.fileRoots(absolute(workload)) : Map.of();
    }

    @Override
    public void pause(EngineHandle handle) {
        freeze(WorkRef.decode(handle), true);
    }

    @Override
    public void resume(EngineHandle handle) {
        freeze(WorkRef.decode(handle), false);
    }

    @Override
    public boolean paused(EngineHandle handle) {
        WorkRef ref = WorkRef.decode(handle);
        return ref.alive() && new Cgroup(ref.cgroupDirs()).frozen();
    }

    private void freeze(WorkRef ref, boolean frozen) {
        synchronized (lock(ref.runDir())) {
            Cgroup cgroup = new Cgroup(ref.cgroupDirs());
            if (!ref.alive()) {
                throw new EngineException("the work of " + ref.runDir() + " does not run; there is nothing to "
                        + (frozen ? "pause" : "resume"), Map.of("runDir", ref.runDir().toString()));
            }
            if (cgroup.freezer().isEmpty()) {
                throw new EngineException("the work of " + ref.runDir() + " has no freezer cgroup (" + cgroups.describe()
                        + "); mount the cgroup v1 freezer or use cgroup v2 to pause work", Map.of("runDir", ref.runDir().toString()));
            }
            if (!cgroup.freeze(frozen, FREEZE_WAIT)) {
                throw new EngineException("the work of " + ref.runDir() + " did not " + (frozen ? "freeze" : "thaw")
                        + " within " + FREEZE_WAIT.toSeconds() + " s (a process may be stuck in the kernel); it was left "
                        + "running, retry or check the host", Map.of("runDir", ref.runDir().toString()));
            }
        }
    }

    /** The wrapper runs in the working directory, so every path handed to it must not depend on the daemon's. */
    private static Workload absolute(Workload w) {
        return new Workload(w.id(), w.version(), w.spec(), w.installDir().toAbsolutePath(), w.volumesDir().toAbsolutePath(),
                w.runDir().toAbsolutePath(), w.logFile().toAbsolutePath());
    }

    /** Called once when work ends on its own: its exit status, then the cgroup is cleaned up. */
    private AppStatus.Exited ended(WorkRef ref, OptionalInt wrapperCode) {
        AppStatus.Exited exit = ExitRecord.read(ref.exitFile()).map(ExitRecord::toExited).orElseGet(() -> {
            Instant now = clock.instant();
            return wrapperCode.isPresent()
                    ? new AppStatus.Exited(wrapperCode.getAsInt(), ExitRecord.reason(wrapperCode.getAsInt(), false)
                            + " (the wrapper was killed before it could record the exit status)", now)
                    : new AppStatus.Exited(-1, "exit status unknown: the wrapper ended without recording it", now);
        });
        // like systemd's KillMode=control-group: what the program left behind in its cgroup goes with it
        cleanUp(new Cgroup(ref.cgroupDirs()));
        if (ref.sandboxed()) {
            agents.forget(ref);
        }
        return exit;
    }

    private void checkProgram(Workload w, Path workDir, String path) {
        String program = w.spec().command().isEmpty() ? "" : w.spec().command().getFirst();
        boolean found = program.contains("/")
                ? Executables.isExecutableFile(workDir.resolve(program))
                : Executables.onPath(program, path).isPresent();
        if (!found) {
            throw new EngineException("deployment " + w.id() + ": program '" + program + "' was not found "
                    + (program.contains("/") ? "as an executable file in " + workDir + "; check that the artifact contains it"
                    : "on PATH (" + path + "); install it or give its absolute path"),
                    Map.of("deployment", w.id().value(), "program", program));
        }
    }

    /**
     * Waits (a few ms) until the wrapper's child is about to exec the app. Before that, a stop's
     * SIGTERM could arrive while setsid has not made the group yet, or while the child still has
     * the wrapper's trap, and be lost. Proceeds with a warning when the host is too slow.
     */
    /** For tests: the sandbox starts begun ahead. */
    StandbyStarts standbys() {
        return standbys;
    }

    /** {@code ERA_SANDBOX_STANDBY}: sandbox starts kept begun ahead on cgroup v1 ({@link StandbyStarts}); 2 unless set. */
    static int standbySize(Map<String, String> daemonEnv) {
        String v = daemonEnv.getOrDefault("ERA_SANDBOX_STANDBY", "2").trim();
        try {
            int n = Integer.parseInt(v);
            if (n >= 0 && n <= 16) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new EngineException("ERA_SANDBOX_STANDBY must be a number from 0 to 16, got '" + v + "'");
    }

    private static void awaitReady(Workload w, Process process, Path readyFile) {
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        while (!Files.exists(readyFile) && process.isAlive()) {
            if (System.nanoTime() - deadline > 0) {
                LOG.warn("deployment {}: pid {} did not reach its program within {} ms; a stop right now may need its grace period",
                        w.id(), process.pid(), READY_WAIT.toMillis());
                return;
            }
            LockSupport.parkNanos(READY_POLL_NANOS); // start latency counts: a millisecond here is a tenth of a start
        }
        try {
            Files.deleteIfExists(readyFile);
        } catch (IOException e) {
            // removed with the run directory
        }
    }

    private static void prepareDirs(Workload w) {
        try {
            Files.createDirectories(w.runDir());
            Files.createDirectories(w.installDir());
            for (Volume v : w.spec().volumes()) {
                Files.createDirectories(w.volume(v));
            }
            // exit records of earlier starts; their handles then report Gone
            try (Stream<Path> old = Files.list(w.runDir())) {
                for (Path p : old.filter(p -> p.getFileName().toString().startsWith("exit-") || p.getFileName().toString().startsWith("ready-")).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": cannot prepare " + w.runDir() + ", " + w.installDir()
                    + " and the volumes under " + w.volumesDir() + ": " + e.getMessage() + "; check permissions and disk space",
                    Map.of("deployment", w.id().value()), e);
        }
    }

    private static String cgroupPrefix(Workload w) {
        return w.id().value() + "-v" + w.version() + "-";
    }

    /**
     * Waits until the wrapper and every process of the work are gone, re-sending SIGKILL each round
     * when {@code kill} is set (a forking program can otherwise outrun a single signal).
     */
    private static boolean waitUntilGone(WorkRef ref, Cgroup cgroup, Duration timeout, boolean kill) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int round = 0;
        while (true) {
            boolean leader = ref.alive();
            Set<Long> members = cgroup.exists() ? cgroup.members() : Set.of();
            // without a cgroup the session finds them; the sid cannot be reused while any member lives
            List<Long> session = cgroup.exists() ? List.of() : ProcStat.sessionMembers(ref.pid());
            if (!leader && members.isEmpty() && session.isEmpty()) {
                return true;
            }
            if (kill) {
                if (leader) {
                    Signals.group("KILL", ref.pid());
                }
                Signals.processes("KILL", members);
                Signals.processes("KILL", session);
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            // most work is gone within milliseconds of its signal: look again soon, then less often
            sleep(Duration.ofMillis(Math.min(STOP_POLL.toMillis(), 1L << Math.min(round++, 5))));
        }
    }

    private static void cleanUp(Cgroup cgroup) {
        if (!cgroup.exists()) {
            return;
        }
        cgroup.requestFrozen(false);
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (!cgroup.members().isEmpty() && System.nanoTime() - deadline < 0) {
            Signals.processes("KILL", cgroup.members());
            sleep(STOP_POLL);
        }
        cgroup.remove();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for processes to end; retry the stop");
        }
    }

    private Object lock(Path runDir) {
        return locks.computeIfAbsent(runDir.toAbsolutePath().normalize(), k -> new Object());
    }
}
