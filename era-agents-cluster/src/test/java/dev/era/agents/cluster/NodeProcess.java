package dev.era.agents.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A cluster node in its own JVM ({@link ClusterNodeMain}), which tests kill, freeze and restart. */
final class NodeProcess implements AutoCloseable {
    private final String nodeId;
    private final int port;
    private final List<String> command;
    private final Path log;
    private Process process;
    private boolean frozen;

    NodeProcess(String jdbcUrl, String nodeId, int port, Duration lease, int partitions, Path logDir) {
        this.nodeId = nodeId;
        this.port = port;
        this.log = logDir.resolve(nodeId + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                ClusterNodeMain.class.getName(), jdbcUrl, nodeId, Integer.toString(port), Long.toString(lease.toMillis()),
                Integer.toString(partitions)));
    }

    String nodeId() {
        return nodeId;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    synchronized void start() throws IOException {
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        frozen = false;
    }

    /** Waits until the node answers on its port. */
    void awaitReady(HttpClient http, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address() + "/era/v1/node"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || !alive()) {
                throw new IllegalStateException("Node " + nodeId + " did not start within " + limit + " (alive " + alive()
                        + "); see " + log);
            }
            Thread.sleep(100);
        }
    }

    /** Sends a {@link NodeCommands} line and waits for the answer that starts with {@code answer}. */
    String command(String line, String answer, Duration limit) throws IOException, InterruptedException {
        long from;
        synchronized (this) {
            from = java.nio.file.Files.size(log);
            process.getOutputStream().write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            byte[] all = java.nio.file.Files.readAllBytes(log);
            String tail = new String(all, (int) from, all.length - (int) from, java.nio.charset.StandardCharsets.UTF_8);
            for (String l : tail.split("\n")) {
                if (l.startsWith(answer + " ") || l.startsWith("ERROR")) {
                    return l;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Node " + nodeId + " did not answer '" + line + "' within " + limit + "; see " + log);
    }

    synchronized long pid() {
        return process.pid();
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    synchronized boolean frozen() {
        return frozen;
    }

    /** kill -9. */
    synchronized void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        frozen = false;
    }

    synchronized void freeze() throws IOException, InterruptedException {
        signal("STOP");
        frozen = true;
    }

    synchronized void thaw() throws IOException, InterruptedException {
        signal("CONT");
        frozen = false;
    }

    private void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    @Override
    public synchronized void close() throws Exception {
        if (process != null && process.isAlive()) {
            if (frozen) {
                thaw();
            }
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
