package dev.era.testing;

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
import dev.era.api.InvalidSpecException;
import dev.era.api.Pausable;
import dev.era.api.RuntimePlugin;
import dev.era.api.Workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sandbox engine for tests, named {@code fake-sandbox}: <strong>no isolation at all</strong>.
 * Commands run as plain host processes of the daemon's user, each in its own session (through
 * {@code setsid}, so a signal reaches its whole process group), with the working directory mapped
 * into the workload's volumes directory: {@code /workspace -> <volumes>/workspace},
 * {@code /tmp -> <volumes>/tmp}, {@code /home/user -> <volumes>/home}. {@code TMPDIR} and
 * {@code HOME} point at the latter two. Paths inside commands are host paths.
 *
 * <p>A sandbox without a command is idle work with no process; a command runs as the sandbox's
 * main process. Pausing sends SIGSTOP to every process of the sandbox (SIGCONT resumes), and exec
 * into paused work is refused, as with the real engine. No terminals: {@code tty} is refused.
 * {@link #restarted()} gives the engine a daemon would have after a restart: the same running work.
 *
 * <p>Not registered with {@link java.util.ServiceLoader}; tests hand it to the code under test.
 */
public final class FakeSandboxEngine implements RuntimePlugin, Exec, FileAccess, Pausable {
    public static final String NAME = "fake-sandbox";

    private final Host host;

    public FakeSandboxEngine() {
        this(new Host(Clock.systemUTC()));
    }

    /** Start and exit times come from {@code clock}. */
    public FakeSandboxEngine(Clock clock) {
        this(new Host(clock));
    }

    private FakeSandboxEngine(Host host) {
        this.host = host;
    }

    /** A new instance over the same running work, as after a daemon restart; this one's listeners are dropped. */
    public FakeSandboxEngine restarted() {
        host.works.values().forEach(w -> w.listener = ExitListener.IGNORE);
        return new FakeSandboxEngine(host);
    }

    /** How many sandboxes run (paused ones included). */
    public long running() {
        return host.works.values().stream().filter(Work::running).count();
    }

    /** Ends every sandbox's work as a host reboot would: no exit is reported. */
    public void killEverything() {
        host.works.values().forEach(w -> w.end(137, false));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.SANDBOX, Capability.EXEC, Capability.FILES, Capability.VOLUME);
    }

    @Override
    public void validate(AppSpec spec) {
        if (!spec.isolation().sandboxed()) {
            throw new InvalidSpecException("isolation", "the fake sandbox engine runs sandboxes only; use isolation: sandbox");
        }
    }

    @Override
    public void install(Workload workload) {
        mkdirs(workload.installDir());
    }

    @Override
    public EngineHandle start(Workload workload, ExitListener onExit) {
        String key = workload.id().value() + "/" + workload.version();
        synchronized (host) {
            Work current = host.byKey.get(key);
            if (current != null && current.running()) {
                current.listener = onExit;
                return current.handle();
            }
            fileRoots(workload).values().forEach(FakeSandboxEngine::mkdirs);
            Work work = new Work(host.numbers.incrementAndGet(), workload, host.clock);
            work.listener = onExit;
            host.byKey.put(key, work);
            host.works.put(work.number, work);
            if (!workload.spec().argv().isEmpty()) {
                String program = workload.spec().argv().getFirst();
                if (program.contains("/") && !Files.isExecutable(Path.of(program))) {
                    work.end(127, false);
                    throw new EngineException("cannot start " + program + ": no such executable file");
                }
                ProcessBuilder pb = builder(work, workload.spec().argv(), workload.spec().env(), "");
                pb.redirectOutput(ProcessBuilder.Redirect.appendTo(workload.logFile().toFile()));
                pb.redirectErrorStream(true);
                try {
                    work.main = pb.start();
                } catch (IOException e) {
                    work.end(127, false);
                    throw new EngineException("cannot start " + workload.spec().argv().getFirst() + ": " + e.getMessage());
                }
                work.main.onExit().thenAccept(p -> work.end(p.exitValue(), true));
            }
            return work.handle();
        }
    }

    @Override
    public void stop(EngineHandle handle, Duration grace) {
        find(handle).ifPresent(w -> w.end(143, false));
    }

    @Override
    public void delete(Workload workload) {
        Work w = host.byKey.remove(workload.id().value() + "/" + workload.version());
        if (w != null) {
            w.end(137, false);
        }
        try {
            if (Files.isDirectory(workload.installDir())) {
                try (var walk = Files.walk(workload.installDir())) {
                    for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public AppStatus status(EngineHandle handle) {
        return find(handle).map(Work::status).orElse(new AppStatus.Gone("no fake sandbox " + handle));
    }

    @Override
    public Optional<EngineHandle> recover(EngineHandle handle, Workload workload, ExitListener onExit) {
        Optional<Work> w = find(handle).filter(Work::running);
        w.ifPresent(x -> x.listener = onExit);
        return w.map(Work::handle);
    }

    @Override
    public ExecProcess exec(EngineHandle handle, ExecSpec spec) {
        Work w = find(handle).filter(Work::running).orElseThrow(() -> new EngineException("sandbox " + handle
                + " does not run; start it first"));
        if (w.paused) {
            throw new EngineException("the sandbox is paused; resume it before exec");
        }
        if (spec.tty()) {
            throw new EngineException("the fake sandbox engine has no terminals; exec without tty");
        }
        try {
            Process p = builder(w, spec.command(), spec.env(), spec.workingDir()).start();
            w.execs.add(p);
            p.onExit().thenRun(() -> w.execs.remove(p));
            return new FakeExec(p);
        } catch (IOException e) {
            throw new EngineException("cannot run " + spec.command().getFirst() + ": " + e.getMessage());
        }
    }

    @Override
    public Map<String, Path> fileRoots(Workload workload) {
        Map<String, Path> roots = new LinkedHashMap<>();
        roots.put("/workspace", workload.volumesDir().resolve("workspace"));
        roots.put("/tmp", workload.volumesDir().resolve("tmp"));
        roots.put("/home/user", workload.volumesDir().resolve("home"));
        return roots;
    }

    @Override
    public void pause(EngineHandle handle) {
        Work w = find(handle).filter(Work::running).orElseThrow(() -> new EngineException("no running sandbox " + handle));
        w.paused = true;
        w.processes().forEach(p -> signal(p.pid(), "STOP"));
    }

    @Override
    public void resume(EngineHandle handle) {
        find(handle).ifPresent(w -> {
            w.processes().forEach(p -> signal(p.pid(), "CONT"));
            w.paused = false;
        });
    }

    @Override
    public boolean paused(EngineHandle handle) {
        return find(handle).map(w -> w.running() && w.paused).orElse(false);
    }

    // ---------------------------------------------------------------- internals

    private ProcessBuilder builder(Work w, List<String> argv, Map<String, String> env, String workingDir) {
        Map<String, Path> roots = fileRoots(w.workload);
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(hostPath(roots, workingDir).toFile());
        pb.environment().put("TMPDIR", roots.get("/tmp").toString());
        pb.environment().put("HOME", roots.get("/home/user").toString());
        pb.environment().putAll(env);
        return pb;
    }

    private static Path hostPath(Map<String, Path> roots, String dir) {
        if (dir.isEmpty()) {
            return roots.get("/workspace");
        }
        for (var r : roots.entrySet()) {
            if (dir.equals(r.getKey()) || dir.startsWith(r.getKey() + "/")) {
                return r.getValue().resolve(dir.substring(r.getKey().length()).replaceFirst("^/", ""));
            }
        }
        throw new EngineException("working directory " + dir + " is outside the fake sandbox's roots");
    }

    private Optional<Work> find(EngineHandle handle) {
        if (!handle.engine().equals(NAME)) {
            throw new EngineException("handle " + handle + " was not made by the fake sandbox engine");
        }
        return Optional.ofNullable(host.works.get(Long.parseLong(new String(handle.data(), StandardCharsets.UTF_8))));
    }

    /** Signals the process group the process leads (each runs under setsid). */
    static void signal(long pid, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, "--", "-" + pid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new EngineException("cannot signal process group " + pid + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new EngineException("cannot create " + p + ": " + e.getMessage());
        }
    }

    /** The simulated machine: outlives an engine instance, as a host outlives a daemon. */
    private static final class Host {
        final Clock clock;
        final Map<String, Work> byKey = new ConcurrentHashMap<>();
        final Map<Long, Work> works = new ConcurrentHashMap<>();
        final AtomicLong numbers = new AtomicLong();

        Host(Clock clock) {
            this.clock = clock;
        }
    }

    /** One start of one sandbox. */
    private static final class Work {
        final long number;
        final Workload workload;
        final java.time.Instant startedAt;
        final Set<Process> execs = ConcurrentHashMap.newKeySet();
        final Clock clock;
        volatile Process main;
        volatile boolean paused;
        volatile ExitListener listener = ExitListener.IGNORE;
        private AppStatus.Exited exit; // guarded by this

        Work(long number, Workload workload, Clock clock) {
            this.number = number;
            this.workload = workload;
            this.clock = clock;
            this.startedAt = clock.instant();
        }

        EngineHandle handle() {
            return new EngineHandle(NAME, Long.toString(number).getBytes(StandardCharsets.UTF_8));
        }

        synchronized boolean running() {
            return exit == null;
        }

        synchronized AppStatus status() {
            return exit == null ? new AppStatus.Running(main == null ? 0 : main.pid(), startedAt) : exit;
        }

        List<Process> processes() {
            List<Process> all = new ArrayList<>(execs);
            if (main != null) {
                all.add(main);
            }
            return all.stream().filter(Process::isAlive).toList();
        }

        /** Ends the work once: thaws and kills every process; tells the listener when {@code notify}. */
        void end(int code, boolean notify) {
            AppStatus.Exited e;
            synchronized (this) {
                if (exit != null) {
                    return;
                }
                e = new AppStatus.Exited(code, code == 0 ? "exited" : "exited with code " + code, clock.instant());
                exit = e;
            }
            for (Process p : processes()) {
                signal(p.pid(), "CONT");
                signal(p.pid(), "KILL");
            }
            if (notify) {
                listener.exited(e);
            }
        }
    }

    /** A command as a host process, with pipes. */
    private record FakeExec(Process process) implements ExecProcess {
        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public OutputStream stdin() {
            return process.getOutputStream();
        }

        @Override
        public InputStream stdout() {
            return process.getInputStream();
        }

        @Override
        public InputStream stderr() {
            return process.getErrorStream();
        }

        @Override
        public void resize(int rows, int cols) {
        }

        @Override
        public void signal(int signal) {
            if (process.isAlive()) {
                FakeSandboxEngine.signal(process.pid(), Integer.toString(signal));
            }
        }

        @Override
        public CompletableFuture<Integer> exitCode() {
            return process.onExit().thenApply(Process::exitValue);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                FakeSandboxEngine.signal(process.pid(), "KILL");
            }
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // closing a pipe to a dead process
            }
            try {
                process.getInputStream().close();
                process.getErrorStream().close();
            } catch (IOException ignored) {
                // nothing more to read
            }
        }
    }
}
