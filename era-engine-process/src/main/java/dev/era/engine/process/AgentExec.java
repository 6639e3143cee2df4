package dev.era.engine.process;

import dev.era.api.EngineException;
import dev.era.api.ExecProcess;
import dev.era.os.Libc;

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

/**
 * A command run by the sandbox's resident exec agent ({@link ExecAgents}): the daemon makes the
 * pipes (or opens the terminal's slave), hands the command's ends to the agent over its socket
 * with {@code SCM_RIGHTS}, and keeps its own ends as ordinary streams. The command writes straight
 * into them, with nothing in between. The agent answers on a status pipe: the command's host pid
 * once forked, its exit code when it ends.
 *
 * <p>The daemon's ends of stdout, stderr and the status pipe are served by one platform thread
 * ({@link AgentStreams}); stdin is reopened through {@code /proc/self/fd} and relayed on first use
 * ({@link Relays}): the JDK lets virtual threads block only on a {@link Process}'s pipes.
 */
final class AgentExec implements ExecProcess {
    private static final int SIGKILL = 9;

    private final long pid;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final Optional<Pty> pty;
    private final AgentStreams streams;
    private final CompletableFuture<Integer> exit;

    private AgentExec(long pid, OutputStream stdin, InputStream stdout, InputStream stderr, Optional<Pty> pty,
                      AgentStreams streams, CompletableFuture<Integer> exit) {
        this.pid = pid;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.pty = pty;
        this.streams = streams;
        this.exit = exit;
    }

    /**
     * Runs the command through the sandbox's agent; empty when no agent answers (nothing was started,
     * the caller takes the applier path).
     */
    static Optional<ExecProcess> start(ExecAgents agents, WorkRef ref, SandboxHost host, String dir, List<String> argv,
                                       Map<String, String> env, boolean tty, int rows, int cols) throws IOException {
        OptionalInt socket = agents.connect(ref);
        if (socket.isEmpty()) {
            agents.startSoon(ref);
            return Optional.empty();
        }
        List<Integer> raw = new ArrayList<>(); // closed once sent, but for ours, which AgentStreams takes
        OutputStream in = null;
        Pty terminal = null;
        try {
            int[] fds = new int[4];
            int[] status = pipe(raw);
            fds[3] = status[1];
            int out = -1;
            int err = -1;
            if (tty) {
                terminal = Pty.open(ref.initPid(), ref.initTicks(), host.hostUid(), host.hostGid(), rows, cols);
                Libc.Result slave = Libc.open(terminal.slave().toString(), Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC
                        | Libc.O_NOFOLLOW);
                if (slave.failed()) {
                    throw new IOException("cannot open the terminal " + terminal.slave() + ": " + Libc.describe(slave.errno()));
                }
                raw.add((int) slave.value());
                fds[0] = fds[1] = fds[2] = (int) slave.value();
            } else {
                int[] i = pipe(raw);
                int[] o = pipe(raw);
                int[] e = pipe(raw);
                fds[0] = i[0];
                fds[1] = o[1];
                fds[2] = e[1];
                out = o[0];
                err = e[0];
                in = new FileOutputStream("/proc/self/fd/" + i[1]); // a descriptor of its own; i[1] goes with raw
            }
            if (!send(socket.getAsInt(), ExecAgents.request(dir, argv, env, tty), fds)) {
                throw new AgentGone();
            }
            Libc.close(socket.getAsInt());
            socket = OptionalInt.empty();
            List<Integer> kept = List.of(out, err, status[0]);
            raw.stream().filter(fd -> !kept.contains(fd)).forEach(Libc::close); // the agent holds its copies
            raw.retainAll(kept);
            StringBuilder answer = new StringBuilder();
            String first = firstLine(status[0], answer);
            if (first.startsWith("e ") && first.endsWith("fork failed")) {
                // the sandbox is at its pids limit: the applier path fails the same way, and reports it as a shell would
                cleanUp(socket, raw, in, terminal);
                return Optional.empty();
            }
            if (first.startsWith("e ")) {
                throw new EngineException("the sandbox's exec agent refused the command " + argv + ": " + first.substring(2)
                        + "; this is a bug in ERA, report it", Map.of("command", argv));
            }
            if (!first.startsWith("p ")) {
                throw new AgentGone(); // it died before it forked: nothing runs
            }
            long pid = Long.parseLong(first.substring(2).strip());
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            AgentStreams streams = AgentStreams.start(out, err, status[0], answer.toString(), exit);
            raw.clear(); // AgentStreams owns them now
            if (terminal != null) {
                terminal.start(); // the command holds the slave from here on
                return Optional.of(new AgentExec(pid, terminal.input(), terminal.output(), InputStream.nullInputStream(),
                        Optional.of(terminal), streams, exit));
            }
            return Optional.of(new AgentExec(pid, Relays.to(in), streams.stdout().orElseThrow(),
                    streams.stderr().orElseThrow(), Optional.empty(), streams, exit));
        } catch (AgentGone e) {
            cleanUp(socket, raw, in, terminal);
            agents.startSoon(ref);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            cleanUp(socket, raw, in, terminal);
            throw e;
        }
    }

    /** The agent went away between the connect and the fork; nothing runs. */
    private static final class AgentGone extends Exception {
        AgentGone() {
            super(null, null, false, false);
        }
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
        streams.close();
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

    /**
     * The status pipe's first line (the agent writes it right after the fork, so the wait is short);
     * what came after it stays in {@code rest}. Empty when the pipe ended first.
     */
    private static String firstLine(int fd, StringBuilder rest) {
        byte[] buffer = new byte[256];
        while (rest.indexOf("\n") < 0) {
            Libc.Result n = Libc.read(fd, buffer);
            if (n.failed() && n.errno() == Libc.EINTR) {
                continue;
            }
            if (n.value() <= 0) {
                return "";
            }
            rest.append(new String(buffer, 0, (int) n.value(), StandardCharsets.UTF_8));
        }
        int nl = rest.indexOf("\n");
        String line = rest.substring(0, nl);
        rest.delete(0, nl + 1);
        return line;
    }

    private static void cleanUp(OptionalInt socket, List<Integer> raw, OutputStream in, Pty terminal) {
        socket.ifPresent(Libc::close);
        raw.forEach(Libc::close);
        if (in != null) {
            PipeExec.closeQuietly(in);
        }
        if (terminal != null) {
            terminal.close();
        }
    }
}
