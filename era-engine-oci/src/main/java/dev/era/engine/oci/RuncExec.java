package dev.era.engine.oci;

import dev.era.api.EngineException;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A command in a running container through {@code runc exec} (no terminal): it joins the
 * container's namespaces, cgroup, capabilities, seccomp filter and user, as the init did. runc
 * stays the command's parent, passes its pipes through, forwards the signals it receives and
 * exits with the command's status, so the runc process stands for the command here.
 */
final class RuncExec implements ExecProcess {
    private final Process process;
    private final CompletableFuture<Integer> exit;

    private RuncExec(Process process) {
        this.process = process;
        this.exit = process.onExit().thenApply(Process::exitValue);
    }

    static RuncExec start(Runc runc, String container, ExecSpec spec, String cwd) {
        List<String> command = new ArrayList<>(runc.command("exec"));
        if (!cwd.isEmpty()) {
            command.addAll(List.of("--cwd", cwd));
        }
        spec.env().forEach((k, v) -> command.addAll(List.of("--env", k + "=" + v)));
        command.add(container);
        command.addAll(spec.command());
        try {
            return new RuncExec(new ProcessBuilder(command).start());
        } catch (IOException e) {
            throw new EngineException("cannot exec " + spec.command() + " in container " + container + ": " + e.getMessage(),
                    Map.of("container", container), e);
        }
    }

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
        // no terminal
    }

    /** runc forwards the signal to the command. */
    @Override
    public void signal(int signal) {
        if (signal < 1 || signal > 64) {
            throw new IllegalArgumentException("signal must be 1-64, got " + signal);
        }
        if (!process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
        } catch (IOException e) {
            throw new EngineException("cannot send signal " + signal + " to exec " + process.pid() + ": " + e.getMessage(), Map.of(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            signal(9);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
    }
}
