package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.ExecProcess;
import dev.era.os.Libc;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A command run by the sandbox's resident exec agent ({@link ExecAgents}): the daemon makes the
 * pipes (or opens the terminal's slave), hands the command's ends to the agent over its socket
 * with {@code SCM_RIGHTS}, and keeps its own ends as ordinary streams. The command writes straight
 * into them, with nothing in between. The agent answers on a status pipe: the command's host pid
 * once forked, its exit code when it ends.
 *
 * <p>The daemon's ends are reopened through {@code /proc/self/fd} as {@link FileInputStream} and
 * {@link FileOutputStream}, and handed to callers through {@link Relays}, since the JDK does not let
 * virtual threads block on such streams the way it does on a {@link Process}'s.
 */
final class AgentExec implements ExecProcess {
    private static final int SIGKILL = 9;
    /** What a command is reported as when its agent vanished (killed with the sandbox): SIGKILL's code. */
    private static final int KILLED = 128 + SIGKILL;
    /**
     * Platform threads, reused, wait for the exits (as the JDK's process reaper does): a blocking read of a
     * pipe pins a virtual thread's carrier, and the callers' stream readers may already hold every carrier.
     */
    private static final ExecutorService STATUS_READERS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("era-exec-status-", 0).factory());

    private final long pid;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final Optional<Pty> pty;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private AgentExec(long pid, OutputStream stdin, InputStream stdout, InputStream stderr, Optional<Pty> pty,
                      InputStream status) {
        this.pid = pid;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.pty = pty;
        STATUS_READERS.execute(() -> awaitExit(status));
    }

    /**
     * Runs the command through the sandbox's agent; empty when no agent answers (nothing was started,
     * the caller takes the applier path).
     */
    static Optional<ExecProcess> start(ExecAgents agents, WorkRef ref, SandboxHost host, String dir, List<String> argv,
                                       Map<String, String> env, boolean tty, int rows, int cols) throws IOException {
        OptionalInt socket = agents.connect(ref);
        if (socket.isEmpty()) {
            agents.ensure(ref);
            return Optional.empty();
        }
        List<Closeable> ours = new ArrayList<>();
        List<Integer> raw = new ArrayList<>();
        Pty terminal = null;
        try {
            int[] fds = new int[4];
            int[] status = pipe(raw);
            fds[3] = status[1];
            InputStream statusIn = reopenRead(status[0], ours);
            OutputStream in;
            InputStream out;
            InputStream err;
            if (tty) {
                terminal = Pty.open(ref.initPid(), ref.initTicks(), host.hostUid(), host.hostGid(), rows, cols);
                Libc.Result slave = Libc.open(terminal.slave().toString(), Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC
                        | Libc.O_NOFOLLOW);
                if (slave.failed()) {
                    throw new IOException("cannot open the terminal " + terminal.slave() + ": " + Libc.describe(slave.errno()));
                }
                raw.add((int) slave.value());
                fds[0] = fds[1] = fds[2] = (int) slave.value();
                in = terminal.input();
                out = terminal.output();
                err = InputStream.nullInputStream();
            } else {
                int[] i = pipe(raw);
                int[] o = pipe(raw);
                int[] e = pipe(raw);
                fds[0] = i[0];
                fds[1] = o[1];
                fds[2] = e[1];
                in = reopenWrite(i[1], ours);
                out = reopenRead(o[0], ours);
                err = reopenRead(e[0], ours);
            }
            if (!send(socket.getAsInt(), ExecAgents.request(dir, argv, env, tty), fds)) {
                throw new AgentGone();
            }
            closeRaw(raw); // the agent holds copies of the command's ends, our streams have their own descriptors
            raw.clear();
            closeRaw(List.of(socket.getAsInt()));
            socket = OptionalInt.empty();
            String first = readLine(statusIn);
            if (first.startsWith("e ")) {
                throw new EngineException("the sandbox's exec agent refused the command " + argv + ": " + first.substring(2)
                        + "; this is a bug in ERA, report it", Map.of("command", argv));
            }
            if (!first.startsWith("p ")) {
                throw new AgentGone(); // it died before it forked: nothing runs
            }
            long pid = Long.parseLong(first.substring(2).strip());
            if (terminal != null) {
                terminal.start(); // the command holds the slave from here on
            } else {
                in = Relays.to(in);
                out = Relays.from(out);
                err = Relays.from(err);
            }
            return Optional.of(new AgentExec(pid, in, out, err, Optional.ofNullable(terminal), statusIn));
        } catch (AgentGone e) {
            cleanUp(socket, raw, ours, terminal);
            agents.ensure(ref);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            cleanUp(socket, raw, ours, terminal);
            throw e;
        }
    }

    /** The agent went away between the connect and the fork; nothing runs. */
    private static final class AgentGone extends Exception {
        AgentGone() {
            super(null, null, false, false);
        }
    }

    private void awaitExit(InputStream status) {
        int code = KILLED;
        try (status) {
            String line = readLine(status);
            if (line.startsWith("x ")) {
                code = Integer.parseInt(line.substring(2).strip());
            }
        } catch (IOException | NumberFormatException e) {
            // the agent is gone: so is the command, killed with the sandbox
        }
        exit.complete(code);
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
    }

    @Override
    public void resize(int rows, int cols) {
        pty.ifPresent(t -> t.resize(rows, cols));
    }

    /**
     * To the command's process group (it leads its own session); to the command alone in the moment between
     * the fork and its setsid. Once it has ended its pid is no longer ours to signal.
     */
    @Override
    public void signal(int signal) {
        SandboxExec.checkSignal(signal);
        kill(signal);
    }

    private void kill(int signal) {
        if (!exit.isDone() && Libc.kill(-pid, signal).failed()) {
            Libc.kill(pid, signal);
        }
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    @Override
    public void close() {
        kill(SIGKILL);
        PipeExec.closeQuietly(stdin);
        PipeExec.closeQuietly(stdout);
        PipeExec.closeQuietly(stderr);
        pty.ifPresent(Pty::close);
    }

    private static int[] pipe(List<Integer> opened) throws IOException {
        int[] fds = new int[2];
        Libc.Result r = Libc.pipe(fds, Libc.O_CLOEXEC);
        if (r.failed()) {
            throw new IOException("pipe2: " + Libc.describe(r.errno()));
        }
        opened.add(fds[0]);
        opened.add(fds[1]);
        return fds;
    }

    /** Our end of a pipe as a stream of its own descriptor (the raw one is closed with the others once sent). */
    private static InputStream reopenRead(int fd, List<Closeable> ours) throws IOException {
        FileInputStream s = new FileInputStream("/proc/self/fd/" + fd);
        ours.add(s);
        return s;
    }

    private static OutputStream reopenWrite(int fd, List<Closeable> ours) throws IOException {
        FileOutputStream s = new FileOutputStream("/proc/self/fd/" + fd);
        ours.add(s);
        return s;
    }

    private static boolean send(int socket, byte[] request, int[] fds) {
        Libc.Result sent = Libc.sendWithDescriptors(socket, request, fds);
        if (sent.failed()) {
            return false;
        }
        int off = (int) sent.value();
        while (off < request.length) {
            Libc.Result n = Libc.write(socket, request, off, request.length - off);
            if (n.failed() && n.errno() != Libc.EINTR) {
                return false;
            }
            off += n.failed() ? 0 : (int) n.value();
        }
        return true;
    }

    /** One line of the status pipe, without its newline; empty at its end. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(16);
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static void closeRaw(List<Integer> fds) {
        fds.forEach(Libc::close);
    }

    private static void cleanUp(OptionalInt socket, List<Integer> raw, List<Closeable> ours, Pty terminal) {
        socket.ifPresent(Libc::close);
        closeRaw(raw);
        ours.forEach(PipeExec::closeQuietly);
        if (terminal != null) {
            terminal.close();
        }
    }
}
