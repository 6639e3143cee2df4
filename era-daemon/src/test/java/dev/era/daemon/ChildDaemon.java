package dev.era.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real daemon ({@code era serve}) in a child JVM with this test's class path, on a free TCP
 * port, for the compatibility tests that drive it with outside clients (RunLoop's SDK, the Python
 * client). {@link #close()} kills it and every process still running under its data directory
 * (sandboxes outlive a daemon by design, to be reattached).
 */
final class ChildDaemon implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("ERA ready: socket .*, tcp [^,]*:(\\d+), data ");
    private static final Pattern KEY = Pattern.compile("era_[0-9a-f]{64}");

    private final Path dataDir;
    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> ready = new CompletableFuture<>();
    private volatile String key = "";

    private ChildDaemon(Path dataDir, Process process) {
        this.dataDir = dataDir;
        this.process = process;
    }

    static ChildDaemon start(Path dataDir) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--data-dir", dataDir.toString(), "serve", "--listen", "127.0.0.1:0"));
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        ChildDaemon d = new ChildDaemon(dataDir, p);
        d.pump(p.getInputStream());
        d.pump(p.getErrorStream());
        p.onExit().thenRun(() -> d.ready.completeExceptionally(
                new IllegalStateException("the daemon exited with " + p.exitValue() + " before it was ready")));
        try {
            d.ready.get(90, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            d.close();
            throw new AssertionError("the daemon did not get ready: " + e.getMessage() + "\n" + d.log(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.close();
            throw new AssertionError("interrupted while the daemon started", e);
        }
        return d;
    }

    private void pump(InputStream in) {
        Thread.ofVirtual().name("daemon-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    output.add(l);
                    Matcher k = KEY.matcher(l);
                    if (k.find()) {
                        key = k.group();
                    }
                    Matcher m = READY.matcher(l);
                    if (m.find()) {
                        ready.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // the daemon died; its exit is reported through onExit
            }
        });
    }

    String url() {
        return "http://127.0.0.1:" + ready.join();
    }

    /** The admin key the first start printed. */
    String key() {
        return key;
    }

    Path socket() {
        return dataDir.resolve("era.sock");
    }

    String log() {
        return String.join("\n", output);
    }

    /**
     * Runs an outside client to its end: its exit code and everything it printed. A client still
     * running after {@code limit} is killed and reported.
     */
    Run run(List<String> command, Path dir, java.util.Map<String, String> env, Duration limit) {
        try {
            Path out = Files.createTempFile(dataDir.getParent(), "client", ".log");
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean ended = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            String text = Files.readString(out);
            return new Run(ended ? p.exitValue() : -1, ended ? text : text + "\n(killed after " + limit + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    record Run(int exit, String output) {}

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killEverythingUnder(dataDir);
    }

    /** SIGKILL to every process that names the data directory in its argv or runs in a directory under it. */
    private static void killEverythingUnder(Path dir) {
        String d = dir.toAbsolutePath().toString();
        long self = ProcessHandle.current().pid();
        for (int round = 0; round < 20; round++) {
            List<ProcessHandle> found = ProcessHandle.allProcesses()
                    .filter(p -> p.pid() != self && (mentions(p.pid(), d) || cwd(p.pid()).startsWith(d)))
                    .toList();
            if (found.isEmpty()) {
                return;
            }
            found.forEach(ProcessHandle::destroyForcibly);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean mentions(long pid, String dir) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .contains(dir);
        } catch (IOException e) {
            return false;
        }
    }

    private static String cwd(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }
}
