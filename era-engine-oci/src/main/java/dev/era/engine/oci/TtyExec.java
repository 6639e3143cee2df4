package dev.era.engine.oci;

import dev.era.os.Libc;

import dev.era.api.EngineException;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A command on a terminal in a running container. {@code runc exec --tty} makes a pty inside the
 * container (its own devpts, the command's controlling terminal, so Ctrl-C and job control work)
 * and, not detached, copies between it and its own stdio in raw mode; its stdio here is the slave
 * of a host pty whose master the daemon holds. (runc 1.1 accepts a console socket only with
 * {@code --detach}, which would lose the exit status.) A resize sets the host pty's size and sends
 * runc SIGWINCH, on which runc copies the size into the container's pty. Two platform threads move
 * the bytes (blocking native calls would pin a virtual thread's carrier); the master is closed
 * once both have ended.
 */
final class TtyExec implements ExecProcess {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int POLL_MILLIS = 100;

    private final Process runc;
    private final int master;
    private final Pipe out;
    private final Pipe in;
    private final InputStream output;
    private final OutputStream input;
    private final Object lock = new Object();
    private boolean masterOpen = true; // guarded by lock
    private final AtomicInteger pumps = new AtomicInteger(2);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean closing;

    private TtyExec(Process runc, int master) throws IOException {
        this.runc = runc;
        this.master = master;
        this.out = Pipe.open();
        this.in = Pipe.open();
        this.output = Channels.newInputStream(out.source());
        this.input = Channels.newOutputStream(in.sink());
    }

    static TtyExec start(Runc runc, Path bundle, String container, ExecSpec spec, String cwd) {
        int[] number = new int[1];
        Libc.Result pty = Libc.openPty(number);
        if (pty.failed()) {
            throw new EngineException("cannot allocate a terminal on the host (/dev/ptmx, errno " + pty.errno() + ") for an exec in "
                    + container + "; check that devpts is mounted", Map.of("container", container));
        }
        int master = (int) pty.value();
        java.io.File slave = new java.io.File("/dev/pts/" + number[0]);
        Path process = null;
        try {
            Libc.setWindowSize(master, spec.rows(), spec.cols());
            process = writeProcess(bundle, spec, cwd);
            List<String> command = new ArrayList<>(runc.command("exec", "--tty", "--process", process.toString(), container));
            Process started = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(slave))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(slave)).redirectError(ProcessBuilder.Redirect.appendTo(slave)).start();
            Path written = process;
            started.onExit().thenRun(() -> deleteQuietly(written));
            TtyExec exec = new TtyExec(started, master);
            exec.startPumps();
            return exec;
        } catch (IOException e) {
            Libc.close(master);
            deleteQuietly(process);
            throw new EngineException("cannot exec " + spec.command() + " on a terminal in " + container + ": " + e.getMessage(),
                    Map.of("container", container), e);
        }
    }

    /**
     * The exec's process spec: the container's own (user, capabilities, rlimits, environment), with the
     * command, cwd, extra environment and the terminal's size. runc sizes the container's pty from
     * {@code consoleSize} before the command runs; a resize after the start (what runc does for
     * {@code exec --tty} without it) races the command's first look at its terminal.
     */
    private static Path writeProcess(Path bundle, ExecSpec spec, String cwd) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        ObjectNode process = (ObjectNode) config.path("process");
        ArrayNode args = process.putArray("args");
        spec.command().forEach(args::add);
        ArrayNode env = process.withArray("env");
        spec.env().forEach((k, v) -> env.add(k + "=" + v));
        if (!cwd.isEmpty()) {
            process.put("cwd", cwd);
        }
        process.put("terminal", true);
        process.putObject("consoleSize").put("height", spec.rows()).put("width", spec.cols());
        Path file = Files.createTempFile(bundle, "exec-", ".json");
        JSON.writeValue(file.toFile(), process);
        return file;
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover exec spec in the bundle is removed with the container
        }
    }

    private void startPumps() {
        Thread.ofPlatform().daemon().name("era-oci-tty-out-" + runc.pid()).start(this::pumpOut);
        Thread.ofPlatform().daemon().name("era-oci-tty-in-" + runc.pid()).start(this::pumpIn);
    }

    @Override
    public long pid() {
        return runc.pid();
    }

    @Override
    public OutputStream stdin() {
        return input;
    }

    @Override
    public InputStream stdout() {
        return output;
    }

    @Override
    public InputStream stderr() {
        return InputStream.nullInputStream();
    }

    @Override
    public void resize(int rows, int cols) {
        synchronized (lock) {
            if (masterOpen) {
                Libc.setWindowSize(master, rows, cols);
            }
        }
        signal(28); // SIGWINCH: runc is not in the host pty's foreground group, so it is told directly
    }

    /** runc forwards the signal to the command. */
    @Override
    public void signal(int signal) {
        if (signal < 1 || signal > 64) {
            throw new IllegalArgumentException("signal must be 1-64, got " + signal);
        }
        if (!runc.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(runc.pid())).start().waitFor();
        } catch (IOException e) {
            throw new EngineException("cannot send signal " + signal + " to exec " + runc.pid() + ": " + e.getMessage(), Map.of(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return runc.onExit().thenApply(Process::exitValue);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (runc.isAlive()) {
            signal(9);
        }
        closing = true;
        quietly(in.sink());
        quietly(in.source());
        quietly(out.source());
    }

    private void pumpOut() {
        byte[] buffer = new byte[8192];
        try {
            while (!closing) {
                Libc.Result ready = Libc.poll(master, Libc.POLLIN, POLL_MILLIS);
                if (ready.failed() && ready.errno() != Libc.EINTR) {
                    break;
                }
                if (ready.failed() || ready.value() == 0) {
                    continue;
                }
                Libc.Result n = Libc.read(master, buffer);
                if (n.failed() && (n.errno() == Libc.EINTR || n.errno() == Libc.EAGAIN)) {
                    continue;
                }
                if (n.value() <= 0) {
                    break; // EIO: the last holder of the slave closed it
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, (int) n.value());
                while (chunk.hasRemaining()) {
                    out.sink().write(chunk);
                }
            }
        } catch (IOException e) {
            // the reader closed the output
        } finally {
            quietly(out.sink());
            pumpEnded();
        }
    }

    private void pumpIn() {
        ByteBuffer chunk = ByteBuffer.allocate(8192);
        try {
            while (in.source().read(chunk.clear()) >= 0) {
                int off = 0;
                while (off < chunk.position()) {
                    Libc.Result ready = Libc.poll(master, Libc.POLLOUT, POLL_MILLIS);
                    if (closing || ready.failed() && ready.errno() != Libc.EINTR) {
                        return;
                    }
                    if (ready.failed() || ready.value() == 0) {
                        continue;
                    }
                    Libc.Result n = Libc.write(master, chunk.array(), off, chunk.position() - off);
                    if (n.failed() && n.errno() != Libc.EINTR && n.errno() != Libc.EAGAIN) {
                        return;
                    }
                    off += n.failed() ? 0 : (int) n.value();
                }
            }
        } catch (IOException e) {
            // closed: the exec is over
        } finally {
            quietly(in.source());
            pumpEnded();
        }
    }

    private void pumpEnded() {
        if (pumps.decrementAndGet() == 0) {
            synchronized (lock) {
                masterOpen = false;
                Libc.close(master);
            }
        }
    }

    private static void quietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // freeing a descriptor: nothing is lost
        }
    }
}
