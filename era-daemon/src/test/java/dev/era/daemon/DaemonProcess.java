package dev.era.daemon;

import dev.era.client.Deployment;
import dev.era.client.EraClient;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real ERA daemon in a child JVM ({@code era serve}) on a data directory, with TCP on a free
 * port. The port is read from the daemon's "ERA ready" log line, the first-start admin key from its
 * standard output. {@link #close()} removes every deployment, kills the daemon and then every
 * process still running under the data directory, so that a failing test leaves nothing behind.
 */
final class DaemonProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("ERA ready: socket .*, tcp [^,]*:(\\d+), data ");
    private static final Pattern KEY = Pattern.compile("era_[0-9a-f]{64}");
    private static final Duration START_LIMIT = Duration.ofSeconds(90);

    private final Path dataDir;
    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> ready = new CompletableFuture<>();
    private final long spawnedAt;
    private volatile long readyAt;
    private volatile String firstKey = "";
    private boolean freshDataDir;
    private int tcpPort;

    private DaemonProcess(Path dataDir, Process process, long spawnedAt) {
        this.dataDir = dataDir;
        this.process = process;
        this.spawnedAt = spawnedAt;
    }

    /** Starts {@code era serve} and returns once it logged that it is ready (recovery is done by then). */
    static DaemonProcess start(Path dataDir) {
        return start(dataDir, List.of());
    }

    /** As {@link #start(Path)}, with more {@code serve} options (such as {@code --store-url}). */
    static DaemonProcess start(Path dataDir, String... serveOptions) {
        return start(dataDir, List.of(), serveOptions);
    }

    /**
     * Starts a daemon that may halt itself at a fault point before it is ready: returns once it is
     * ready or has exited, without cleaning anything up ({@link #alive()} tells which).
     */
    static DaemonProcess spawn(Path dataDir, List<String> jvmOptions) {
        List<String> cmd = java(jvmOptions, List.of("serve", "--data-dir", dataDir.toString(), "--listen",
                "127.0.0.1:0"));
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        DaemonProcess d = new DaemonProcess(dataDir, p, System.nanoTime());
        d.pump(p.getInputStream(), d::onStdout);
        d.pump(p.getErrorStream(), d::onStderr);
        p.onExit().thenRun(() -> d.ready.completeExceptionally(new IllegalStateException("exited")));
        try {
            d.tcpPort = d.ready.get(START_LIMIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // halted at a fault point while recovering
        } catch (TimeoutException e) {
            throw new AssertionError("the daemon neither got ready nor exited within " + START_LIMIT.toSeconds()
                    + " s\n" + d.log(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return d;
    }

    /** As {@link #start(Path)}, with extra JVM options (such as {@code -Dera.faults.haltAt=N}) and serve options. */
    static DaemonProcess start(Path dataDir, List<String> jvmOptions, String... serveOptions) {
        List<String> args = new ArrayList<>(List.of("serve", "--data-dir", dataDir.toString(), "--listen", "127.0.0.1:0"));
        args.addAll(List.of(serveOptions));
        List<String> cmd = java(jvmOptions, args);
        boolean fresh = !java.nio.file.Files.exists(dataDir.resolve("era.db")) && !List.of(serveOptions).contains("--store-url");
        long spawned = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        DaemonProcess d = new DaemonProcess(dataDir, p, spawned);
        d.freshDataDir = fresh;
        d.pump(p.getInputStream(), d::onStdout);
        d.pump(p.getErrorStream(), d::onStderr);
        p.onExit().thenRun(() -> d.ready.completeExceptionally(
                new IllegalStateException("the daemon exited with " + p.exitValue() + " before it was ready")));
        try {
            d.tcpPort = d.ready.get(START_LIMIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            d.close();
            throw new AssertionError("the daemon did not get ready within " + START_LIMIT.toSeconds() + " s: "
                    + e.getMessage() + "\n" + d.log(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.close();
            throw new AssertionError("interrupted while the daemon started", e);
        }
        return d;
    }

    /**
     * The command that runs {@code dev.era.daemon.Main} with this test JVM's class path, as the
     * {@code ./era} launcher would run the installed jars.
     */
    static List<String> java(List<String> args) {
        return java(List.of(), args);
    }

    static List<String> java(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"));
        // an AOT cache (JEP 483/514) replaces CDS and may not be combined with -Xshare options
        if (jvmOptions.stream().noneMatch(o -> o.startsWith("-XX:AOTCache"))) {
            cmd.add("-Xshare:auto");
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return cmd;
    }

    private void pump(InputStream in, Consumer<String> line) {
        Thread.ofVirtual().name("daemon-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    output.add(l);
                    line.accept(l);
                }
            } catch (IOException e) {
                // the daemon died; its exit is reported through onExit
            }
        });
    }

    private void onStdout(String line) {
        Matcher m = KEY.matcher(line);
        if (m.find()) {
            firstKey = m.group();
        }
    }

    private void onStderr(String line) {
        Matcher m = READY.matcher(line);
        if (m.find()) {
            readyAt = System.nanoTime();
            ready.complete(Integer.parseInt(m.group(1)));
        }
    }

    Path dataDir() {
        return dataDir;
    }

    long pid() {
        return process.pid();
    }

    int tcpPort() {
        return tcpPort;
    }

    URI tcpUrl() {
        return URI.create("http://127.0.0.1:" + tcpPort);
    }

    /**
     * The admin key printed at first start; empty for a daemon started on an existing data directory.
     * The daemon prints the key before it logs that it is ready, but stdout and stderr are read by two
     * threads, so on a fresh data directory this waits a little for the stdout reader to catch up.
     */
    String firstKey() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (freshDataDir && firstKey.isEmpty() && System.nanoTime() < deadline && process.isAlive()) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return firstKey;
    }

    /** From spawning the JVM to the "ERA ready" line. */
    Duration startedIn() {
        return Duration.ofNanos(readyAt - spawnedAt);
    }

    EraClient unix() {
        return EraClient.unix(dataDir.resolve("era.sock"));
    }

    EraClient tcp(String key) {
        return EraClient.tcp(tcpUrl(), key);
    }

    /** Everything the daemon wrote so far, for failure messages. */
    String log() {
        return String.join("\n", output);
    }

    /** The {@code era} command line, run in this JVM against this daemon's socket. */
    Cli cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        String[] argv = all.toArray(String[]::new);
        CommandLine cl = Main.commandLine(argv);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(argv);
        return new Cli(exit, out.toString(), err.toString());
    }

    record Cli(int exit, String out, String err) {}

    /** SIGKILL, as {@code kill -9}: no shutdown hook runs, the apps keep running. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the daemon " + process.pid() + " survived SIGKILL for 30 s");
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGTERM: the daemon shuts down normally (and the JVM writes an AOT cache it was asked to record). */
    void terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the daemon " + process.pid() + " did not exit within 60 s of SIGTERM");
        }
    }

    /** Waits for the process to end (a daemon that halted itself at a fault point); false if it did not. */
    boolean awaitExit(Duration max) throws InterruptedException {
        return process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                EraClient c = unix();
                for (Deployment d : c.list()) {
                    c.delete(d.id());
                }
            } catch (RuntimeException e) {
                // best effort: whatever is left is killed below
            }
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Procs.killEverythingUnder(dataDir);
    }
}
