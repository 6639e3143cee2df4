package dev.era.bench;

import dev.era.client.DaemonUnavailableException;
import dev.era.client.EraClient;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A daemon started through the {@code ./era} launcher on its own data directory, listening on the
 * Unix socket (admin) and on a free loopback TCP port (for keys of other tenants).
 */
final class BenchDaemon implements AutoCloseable {
    final Process process;
    final Path dataDir;
    final URI tcp;
    final EraClient admin;

    private BenchDaemon(Process process, Path dataDir, URI tcp) {
        this.process = process;
        this.dataDir = dataDir;
        this.tcp = tcp;
        this.admin = EraClient.unix(dataDir.resolve("era.sock"));
    }

    /** Starts {@code era serve} with {@code env} added and waits until /health answers. */
    static BenchDaemon start(Path era, Path dataDir, Path log, Map<String, String> env)
            throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(era.toString(), "serve", "--data-dir", dataDir.toString(),
                "--listen", "127.0.0.1:" + port)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("ERA_NO_BUILD", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        BenchDaemon d = new BenchDaemon(p, dataDir, URI.create("http://127.0.0.1:" + port));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            if (Files.exists(dataDir.resolve("era.sock"))) {
                try {
                    if (d.admin.health().equals("ok")) {
                        return d;
                    }
                } catch (DaemonUnavailableException e) {
                    // the socket file is there, the listener not yet
                }
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("the daemon did not answer /health; see " + log);
            }
            Thread.sleep(5);
        }
    }

    /** A client for {@code tenant}, with a key issued for it now. */
    EraClient tenant(String tenant) {
        return EraClient.tcp(tcp, admin.createKey(tenant, "bench").secret());
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
