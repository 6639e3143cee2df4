package dev.era.core;

import dev.era.api.HealthCheck;
import dev.era.api.Probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one deployment activation's health probe until cancelled. While checking, it reports
 * {@code healthy} after {@code successThreshold} passes in a row, or {@code failed} when the
 * deadline passes first; once healthy, it reports {@code failed} after {@code failureThreshold}
 * failures in a row. It stops after reporting a failure.
 */
final class HealthProber {
    interface Listener {
        void healthy();

        void failed(String why);
    }

    private final HealthCheck check;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Path workDir;
    private final Map<String, String> env;
    private final Listener listener;
    private final Instant deadline;
    private volatile boolean cancelled;
    private volatile Scheduler.Cancellable next;
    private boolean checking;
    private int passes;
    private int failures;
    private String lastError = "no probe has run yet";

    private HealthProber(HealthCheck check, Scheduler scheduler, Clock clock, Path workDir, Map<String, String> env,
                         boolean alreadyHealthy, Listener listener) {
        this.check = check;
        this.scheduler = scheduler;
        this.clock = clock;
        this.workDir = workDir;
        this.env = env;
        this.listener = listener;
        this.checking = !alreadyHealthy;
        this.deadline = clock.instant().plus(check.initialDelay()).plus(check.deadline());
    }

    static HealthProber start(HealthCheck check, Scheduler scheduler, Clock clock, Path workDir,
                              Map<String, String> env, boolean alreadyHealthy, Listener listener) {
        HealthProber p = new HealthProber(check, scheduler, clock, workDir, env, alreadyHealthy, listener);
        p.next = scheduler.schedule(check.initialDelay(), p::round);
        return p;
    }

    void cancel() {
        cancelled = true;
        Scheduler.Cancellable n = next;
        if (n != null) {
            n.cancel();
        }
    }

    private void round() {
        if (cancelled) {
            return;
        }
        String error = probe(check.probe(), check.timeout());
        if (cancelled) {
            return;
        }
        if (error == null) {
            failures = 0;
            passes++;
            if (checking && passes >= check.successThreshold()) {
                checking = false;
                listener.healthy();
            }
        } else {
            lastError = error;
            passes = 0;
            failures++;
            if (checking && !clock.instant().isBefore(deadline)) {
                listener.failed("not healthy within health.deadline=" + SpecCodec.duration(check.deadline())
                        + "; last probe: " + lastError);
                return;
            }
            if (!checking && failures >= check.failureThreshold()) {
                listener.failed("failed " + failures + " health checks in a row; last: " + lastError);
                return;
            }
        }
        next = scheduler.schedule(check.interval(), this::round);
    }

    /** Runs the probe once; returns null when it passed, else why it failed. */
    String probe(Probe probe, Duration timeout) {
        return switch (probe) {
            case Probe.None none -> null;
            case Probe.Tcp tcp -> connect(tcp.port(), timeout, null);
            case Probe.Http http -> connect(http.port(), timeout, http.path());
            case Probe.Exec exec -> exec(exec.command(), timeout);
        };
    }

    private static String connect(int port, Duration timeout, String httpPath) {
        int ms = (int) Math.max(1, timeout.toMillis());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), ms);
            if (httpPath == null) {
                return null;
            }
            s.setSoTimeout(ms);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + httpPath + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nUser-Agent: era-health\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = statusLine(s.getInputStream());
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                return "GET " + httpPath + " on port " + port + " answered something that is not HTTP";
            }
            int code = Integer.parseInt(parts[1]);
            return code >= 200 && code < 400 ? null : "GET " + httpPath + " on port " + port + " answered " + code;
        } catch (IOException | NumberFormatException e) {
            return (httpPath == null ? "TCP connect" : "GET " + httpPath) + " to 127.0.0.1:" + port + " failed: "
                    + e.getMessage();
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n' && b.length() < 256) {
            b.append((char) c);
        }
        return b.toString().trim();
    }

    private String exec(List<String> command, Duration timeout) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return "probe command " + command + " did not finish within " + SpecCodec.duration(timeout);
            }
            return p.exitValue() == 0 ? null : "probe command " + command + " exited with " + p.exitValue();
        } catch (IOException e) {
            return "probe command " + command + " could not run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "probe interrupted";
        }
    }
}
