package dev.era.engine.process;

import dev.era.os.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The resident exec agents of running sandboxes ({@code exec-agent.c}): one per sandbox start,
 * launched right after the sandbox is up, inside its cgroups and namespaces, listening on a Unix
 * socket in a root-only host directory that no sandbox sees. An exec then costs a connect, one
 * message and a fork in the agent ({@link AgentExec}) instead of a fresh root applier.
 *
 * <p>The agent is an optimisation, never a requirement: when it is not there (no C compiler, it
 * failed to start, it was killed, a daemon restart found none), {@link #connect} says so and exec
 * takes the applier path, while {@link #startSoon} starts a new agent in the background.
 */
final class ExecAgents {
    private static final Logger LOG = LoggerFactory.getLogger(ExecAgents.class);
    private static final long START_WAIT_MILLIS = 5_000;

    private final SandboxHost host;
    private final ExecAgentBinary binary;
    private final Path sockets;
    /** Sandboxes (by init pid) whose agent is being started in the background: at most one start each. */
    private final Map<Long, CompletableFuture<Boolean>> pending = new ConcurrentHashMap<>();

    ExecAgents(SandboxHost host, ExecAgentBinary binary) {
        this.host = host;
        this.binary = binary;
        this.sockets = host.stagingRoot().resolveSibling("exec");
        if (host.available()) {
            Thread.ofVirtual().name("era-exec-agent-tidy").start(this::removeStaleSockets);
        }
    }

    /**
     * Sockets whose agent is gone (its sandbox ended while no daemon ran, or was killed with it): nothing
     * listens, so a connect is refused. Daemons sharing the host share the directory; a live socket of
     * another daemon's sandbox still answers and is kept.
     */
    private void removeStaleSockets() {
        try (var entries = Files.list(sockets)) {
            for (Path p : entries.toList()) {
                if (!p.getFileName().toString().endsWith(".sock")) {
                    continue; // an agent's socket before it goes live, under a temporary name
                }
                Libc.Result fd = Libc.connectUnix(p.toString());
                if (fd.failed() && fd.errno() == Libc.ECONNREFUSED) {
                    Files.deleteIfExists(p);
                } else if (!fd.failed()) {
                    Libc.close((int) fd.value());
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // no directory yet, or an odd entry: nothing to tidy
        }
    }

    /**
     * The agent's socket for this start of the sandbox: short (a Unix socket path has 107 bytes at
     * most), and named after the run directory and the init, so that an agent of an earlier start is
     * never reached.
     */
    Path socket(WorkRef ref) {
        return sockets.resolve(ExecAgentBinary.hash(ref.runDir().toAbsolutePath() + "\n" + ref.initPid() + "\n"
                + ref.initTicks()) + ".sock");
    }

    /**
     * Starts the sandbox's agent and waits until it listens (a few ms). False when there is no agent
     * program or it could not start; the sandbox then runs on, with the slower exec.
     */
    private boolean start(WorkRef ref) {
        Optional<Path> program = binary.await();
        if (program.isEmpty() || !ref.sandboxed()) {
            return false;
        }
        Cgroup cgroup = new Cgroup(ref.cgroupDirs());
        Path socket = socket(ref);
        List<String> cmd = new ArrayList<>(List.of(program.get().toString(), socket.toString(),
                Long.toString(ref.initPid()), Long.toString(ref.initTicks()), Integer.toString(SandboxHost.UID),
                Integer.toString(SandboxHost.GID), ref.runDir().resolve(SandboxLauncher.FILTER_FILE).toString(),
                Integer.toString(cgroup.procsFiles().size())));
        cgroup.procsFiles().forEach(p -> cmd.add(p.toString()));
        Path log = ref.runDir().resolve("exec-agent.log");
        try {
            Files.createDirectories(sockets);
            Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx------"));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("/").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().put("PATH", SandboxHost.PATH);
            Process launcher = pb.start();
            // the launcher exits as soon as the detached agent listens (0) or died (125)
            if (!launcher.waitFor(START_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                launcher.destroyForcibly();
                LOG.warn("the exec agent of {} did not come up within {} ms; exec uses the applier", ref.runDir(),
                        START_WAIT_MILLIS);
                return false;
            }
            if (launcher.exitValue() != 0) {
                LOG.warn("the exec agent of {} did not start (exit {}); exec uses the applier; see {}", ref.runDir(),
                        launcher.exitValue(), log);
                return false;
            }
            return true;
        } catch (IOException e) {
            LOG.warn("cannot start the exec agent of {}: {}; exec uses the applier", ref.runDir(), e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Starts the sandbox's agent in the background, unless one answers already or a start is under way
     * (after a sandbox start, a daemon restart, or an exec that found none). Sandbox starts do not wait
     * for it; an exec that comes meanwhile does ({@link #connect}).
     */
    void startSoon(WorkRef ref) {
        if (!ref.sandboxed()) {
            return;
        }
        CompletableFuture<Boolean> started = new CompletableFuture<>();
        if (pending.putIfAbsent(ref.initPid(), started) != null) {
            return;
        }
        Thread.ofVirtual().name("era-exec-agent-start").start(() -> {
            boolean up = false;
            try {
                OptionalInt fd = connectNow(ref);
                if (fd.isPresent()) {
                    Libc.close(fd.getAsInt());
                    up = true;
                } else if (ref.initAlive()) {
                    up = start(ref);
                }
            } finally {
                started.complete(up);
                pending.remove(ref.initPid(), started);
            }
        });
    }

    /** A connection to the sandbox's agent (waiting for one being started), or empty when none listens. */
    OptionalInt connect(WorkRef ref) {
        OptionalInt fd = connectNow(ref);
        CompletableFuture<Boolean> starting = pending.get(ref.initPid());
        if (fd.isEmpty() && starting != null) {
            try {
                if (starting.get(START_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    return connectNow(ref);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // no agent in time: the applier serves this exec
            }
        }
        return fd;
    }

    private OptionalInt connectNow(WorkRef ref) {
        Libc.Result fd = Libc.connectUnix(socket(ref).toString());
        return fd.failed() ? OptionalInt.empty() : OptionalInt.of((int) fd.value());
    }

    /** Removes the socket of an ended start (its agent ended with the sandbox's init). */
    void forget(WorkRef ref) {
        try {
            Files.deleteIfExists(socket(ref));
        } catch (IOException e) {
            // a stale socket refuses connections; the next start of this run directory names another
        }
    }

    /**
     * The request the agent reads: a little-endian header (magic "ERA1", body length, flags, argc, envc),
     * then the working directory, argv and env as NUL-terminated strings.
     */
    static byte[] request(String dir, List<String> argv, Map<String, String> env, boolean tty) {
        List<String> strings = new ArrayList<>(1 + argv.size() + env.size());
        strings.add(dir);
        strings.addAll(argv);
        env.forEach((k, v) -> strings.add(k + "=" + v));
        byte[] body = SandboxLauncher.nulSeparated(strings);
        ByteBuffer b = ByteBuffer.allocate(20 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x31415245).putInt(body.length).putInt(tty ? 1 : 0).putInt(argv.size()).putInt(env.size()).put(body);
        return b.array();
    }
}
