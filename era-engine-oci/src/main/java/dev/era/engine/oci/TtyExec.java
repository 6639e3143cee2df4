package dev.era.engine.oci;

import dev.era.os.Libc;
import dev.era.os.TerminalMaster;

import dev.era.api.EngineException;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A command on a terminal in a running container. {@code runc exec --tty} makes a pty inside the
 * container (its own devpts, the command's controlling terminal, so Ctrl-C and job control work)
 * and, not detached, copies between it and its own stdio in raw mode; its stdio here is the slave
 * of a host pty whose master the daemon holds. (runc 1.1 accepts a console socket only with
 * {@code --detach}, which would lose the exit status.) A resize sets the host pty's size and sends
 * runc SIGWINCH, on which runc copies the size into the container's pty. {@link TerminalMaster}
 * moves the bytes.
 */
final class TtyExec implements ExecProcess {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process runc;
    private final TerminalMaster terminal;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TtyExec(Process runc, TerminalMaster terminal) {
        this.runc = runc;
        this.terminal = terminal;
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
        TerminalMaster terminal;
        try {
            terminal = new TerminalMaster(master);
        } catch (IOException e) {
            Libc.close(master);
            throw failure(spec, container, e);
        }
        Path process = null;
        try {
            terminal.resize(spec.rows(), spec.cols());
            process = writeProcess(bundle, spec, cwd);
            List<String> command = new ArrayList<>(runc.command("exec", "--tty", "--process", process.toString(), container));
            Process started = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(slave))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(slave)).redirectError(ProcessBuilder.Redirect.appendTo(slave)).start();
            Path written = process;
            started.onExit().thenRun(() -> deleteQuietly(written));
            terminal.start("era-oci-tty-" + started.pid());
            return new TtyExec(started, terminal);
        } catch (IOException e) {
            terminal.close();
            deleteQuietly(process);
            throw failure(spec, container, e);
        }
    }

    private static EngineException failure(ExecSpec spec, String container, IOException e) {
        return new EngineException("cannot exec " + spec.command() + " on a terminal in " + container + ": " + e.getMessage(),
                Map.of("container", container), e);
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

    @Override
    public long pid() {
        return runc.pid();
    }

    @Override
    public OutputStream stdin() {
        return terminal.input();
    }

    @Override
    public InputStream stdout() {
        return terminal.output();
    }

    @Override
    public InputStream stderr() {
        return InputStream.nullInputStream();
    }

    @Override
    public void resize(int rows, int cols) {
        terminal.resize(rows, cols);
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
        terminal.close();
    }
}
