package dev.era.engine.wasm;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.era.api.AppStatus;
import dev.era.api.ExitListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One instance of a module, running on its own platform thread. A platform thread, not a virtual
 * one: compiled WebAssembly computes without ever blocking, so it would pin a carrier thread and
 * starve the daemon's other virtual threads; and deep wasm recursion needs a real stack.
 *
 * <p>The run ends on its own (return from {@code _start}, {@code proc_exit}, a trap), by its time
 * limit, or by {@link #stop}. Only the first two tell the exit listener, exactly once.
 */
final class WasmRun {
    private static final Logger LOG = LoggerFactory.getLogger(WasmRun.class);
    /** WASI's random_get serves key generation too, so it must not be a predictable PRNG. */
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum Ending { NONE, TIME_LIMIT, STOP }

    private final WasmHandle handle;
    private final Launch launch;
    private final Clock clock;
    private final WasmConfig config;
    private final Instant startedAt;
    private final Thread thread;
    private final SafePoints safePoints = new SafePoints();
    private final AtomicReference<Ending> ending = new AtomicReference<>(Ending.NONE);
    private ExitListener listener; // guarded by this
    private AppStatus.Exited exit; // guarded by this; null while running
    private ScheduledFuture<?> timeLimit; // guarded by this

    WasmRun(WasmHandle handle, Launch launch, ExitListener listener, Clock clock, WasmConfig config) {
        this.handle = handle;
        this.launch = launch;
        this.listener = listener;
        this.clock = clock;
        this.config = config;
        this.startedAt = clock.instant();
        this.thread = Thread.ofPlatform().name("era-wasm-" + launch.label()).daemon(true)
                .stackSize(config.threadStackBytes()).unstarted(this::run);
    }

    /** Starts the thread and, when the spec has one, the time limit on {@code timer}. */
    void start(ScheduledExecutorService timer) {
        thread.start(); // first: an interrupt sent before the start could be lost
        Duration limit = launch.spec().timeLimit();
        if (!limit.isZero()) {
            synchronized (this) {
                if (exit == null) {
                    timeLimit = timer.schedule(() -> timeUp(timer), limit.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    WasmHandle handle() {
        return handle;
    }

    synchronized boolean running() {
        return exit == null;
    }

    synchronized AppStatus status() {
        return exit == null ? new AppStatus.Running(0, startedAt) : exit;
    }

    /** Tells {@code onExit} instead of the current listener; false when the run has ended already. */
    synchronized boolean reattach(ExitListener onExit) {
        if (exit != null) {
            return false;
        }
        listener = onExit;
        return true;
    }

    /**
     * Ends the run without telling the listener: at its next safe point, then after {@code grace}
     * wherever it is, then, if it still has not ended, by abandoning its thread.
     */
    void stop(Duration grace) {
        if (!running()) {
            return;
        }
        ending.set(Ending.STOP);
        safePoints.request(thread);
        if (await(grace)) {
            return;
        }
        safePoints.force(thread);
        if (await(config.killWait())) {
            return;
        }
        abandon("killed: the module did not stop within the " + grace.toMillis() + " ms grace nor "
                + config.killWait().toMillis() + " ms after an interrupt");
    }

    private void timeUp(ScheduledExecutorService timer) {
        if (!running() || !ending.compareAndSet(Ending.NONE, Ending.TIME_LIMIT)) {
            return;
        }
        safePoints.request(thread);
        long wait = config.killWait().toNanos();
        timer.schedule(() -> {
            if (running()) {
                safePoints.force(thread);
                timer.schedule(() -> abandon(timeLimitReason() + "; the module did not reach a safe point"),
                        wait, TimeUnit.NANOSECONDS);
            }
        }, wait, TimeUnit.NANOSECONDS);
    }

    private boolean await(Duration d) {
        try {
            return thread.join(d.isNegative() ? Duration.ZERO : d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !thread.isAlive();
        }
    }

    /** Gives up on a thread that does not end: it is a daemon thread, interrupted, and its result is ignored. */
    private void abandon(String reason) {
        if (running()) {
            LOG.warn("wasm run {} ({}): {}; its thread {} is abandoned", handle.token(), launch.label(), reason, thread.getName());
            finish(Outcome.ended(Outcome.KILLED, reason + "; its thread is abandoned"));
        }
    }

    private String timeLimitReason() {
        return "out of time: ran longer than the " + WasmSpec.TIME_LIMIT_ENV + " limit of "
                + launch.spec().timeLimit().toMillis() + " ms";
    }

    // ---------------------------------------------------------------- the run's own thread

    private void run() {
        Outcome outcome;
        try {
            execute();
            outcome = Outcome.exited(0);
        } catch (Throwable t) { // a trap, proc_exit, an interrupt, or an Error of the JVM: each ends the run
            outcome = Outcome.of(t);
            if (outcome.reason().startsWith("engine error")) {
                LOG.warn("wasm run {} ({}) failed inside the engine", handle.token(), launch.label(), t);
            }
        }
        Ending why = ending.get();
        if (why == Ending.STOP) {
            outcome = Outcome.ended(Outcome.STOPPED, "stopped");
        } else if (why == Ending.TIME_LIMIT && !outcome.byModule()) {
            outcome = Outcome.ended(Outcome.KILLED, timeLimitReason());
        }
        if (!outcome.byModule() && why != Ending.STOP) {
            note(outcome);
        }
        finish(outcome);
    }

    private void execute() throws IOException {
        // two streams on one file: a module that closes fd 1 must not lose its stderr; O_APPEND keeps each write whole
        try (OutputStream out = new FileOutputStream(launch.logFile().toFile(), true);
             OutputStream err = new FileOutputStream(launch.logFile().toFile(), true);
             WasiPreview1 wasi = WasiPreview1.builder().withLogger(ChicoryLog.QUIET).withOptions(options(out, err)).build()) {
            LoadedModule m = launch.module();
            Instance.builder(m.module())
                    .withImportValues(ImportValues.builder().addFunction(safePoints.guard(wasi.toHostFunctions())).build())
                    .withMachineFactory(m.machine())
                    // one byte[] per page read through VarHandles: faster than Chicory's default ByteBuffer pages
                    // on memory-bound code (sieve kernel: 515 ms against 835 ms, runs interleaved in one JVM)
                    .withMemoryFactory(ByteArrayMemory::new)
                    .withMemoryLimits(new MemoryLimits(m.minPages(), Math.min(m.maxPages(), launch.spec().maxPages())))
                    .build(); // instantiates and runs _start
        }
    }

    private WasiOptions options(OutputStream out, OutputStream err) {
        WasiOptions.Builder b = WasiOptions.builder()
                .withArguments(launch.spec().argv())
                .withStdin(InputStream.nullInputStream(), false)
                .withStdout(out, false)
                .withStderr(err, false)
                .withRandom(RANDOM);
        launch.spec().env().forEach(b::withEnvironment);
        for (Map.Entry<String, Path> p : launch.preopens().entrySet()) {
            b.withDirectory(p.getKey(), p.getValue());
        }
        return b.build();
    }

    /** Appends why the run ended to its log, as wasmtime prints a trap to stderr: the log is where users look. */
    private void note(Outcome outcome) {
        try (OutputStream log = new FileOutputStream(launch.logFile().toFile(), true)) {
            log.write(("[era wasm] " + outcome.reason() + " (exit " + outcome.exitCode() + ")\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.debug("cannot append the end of run {} to {}: {}", handle.token(), launch.logFile(), e.toString());
        }
    }

    private void finish(Outcome outcome) {
        AppStatus.Exited e;
        ExitListener tell;
        synchronized (this) {
            if (exit != null) {
                return;
            }
            e = new AppStatus.Exited(outcome.exitCode(), outcome.reason(), clock.instant());
            exit = e;
            tell = ending.get() == Ending.STOP ? ExitListener.IGNORE : listener;
            if (timeLimit != null) {
                timeLimit.cancel(false);
            }
        }
        try {
            tell.exited(e);
        } catch (RuntimeException ex) {
            LOG.warn("exit listener of wasm run {} ({}) failed", handle.token(), launch.label(), ex);
        }
    }
}
