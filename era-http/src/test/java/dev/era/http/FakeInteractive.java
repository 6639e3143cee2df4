package dev.era.http;

import dev.era.core.ExecRequest;
import dev.era.core.Interactive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An interactive command of {@link FakeSandboxService}. With a TTY it runs under
 * {@code script -qfec CMD /dev/null}, which gives it a real pseudo-terminal on the host (fine for a
 * test fake; the product opens its PTY through FFM). Resizes are recorded, not applied: script's
 * terminal cannot be resized from outside.
 */
public final class FakeInteractive implements Interactive {
    /** What the fake runs for the server's default shell: a bash that reads no start-up files, with a known prompt. */
    public static final String PROMPT = "sbx$ ";
    // set on the command line: the sh that script starts may reset an inherited PS1
    static final String SHELL = "exec env PS1='" + PROMPT + "' /bin/bash --norc --noprofile -i";

    private final String id;
    private final Process process;
    private final boolean tty;
    private final List<int[]> resizes = new CopyOnWriteArrayList<>();
    private final ExecRequest request;

    FakeInteractive(String id, ExecRequest request, Path workspace, Map<String, String> env) throws IOException {
        this.id = id;
        this.request = request;
        this.tty = request.tty();
        String shellLine = request.command().equals(List.of(SocketEndpoints.DEFAULT_SHELL, "-l")) ? SHELL
                : request.command().size() == 1 ? request.command().getFirst()
                : String.join(" ", request.command().stream().map(FakeInteractive::quote).toList());
        List<String> argv = tty
                ? List.of("script", "-qfec", "stty rows " + request.rows() + " cols " + request.cols() + "; " + shellLine,
                "/dev/null")
                : List.of("/bin/bash", "-c", shellLine);
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.directory(FakeDirs.hostDir(workspace, request.workingDir()).toFile());
        pb.environment().putAll(env);
        pb.environment().put("TERM", "xterm");
        if (tty) {
            pb.redirectErrorStream(true);
        }
        this.process = pb.start();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public String executionId() {
        return id;
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
        return tty ? InputStream.nullInputStream() : process.getErrorStream();
    }

    @Override
    public void resize(int rows, int cols) {
        resizes.add(new int[] {rows, cols});
    }

    @Override
    public void signal(int signal) {
        process.descendants().forEach(p -> p.destroy());
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return process.onExit().thenApply(Process::exitValue);
    }

    /** What the session was started with (command, tty, rows, cols). */
    public ExecRequest request() {
        return request;
    }

    /** The sizes asked for since the start, as {rows, cols}. */
    public List<int[]> resizes() {
        return List.copyOf(resizes);
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
