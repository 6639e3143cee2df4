package dev.era.daemon;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code era serve}: runs the daemon in the foreground until interrupted. */
@Command(name = "serve",
        description = "Run the ERA daemon in the foreground (embedded SQLite store or PostgreSQL, Unix socket and TCP API).")
final class ServeCommand implements Callable<Integer> {
    /** Holds the root command's inherited {@code --data-dir} (the same directory the other commands use). */
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = ServeArgs.DEFAULT_LISTEN,
            description = "TCP address for the API (default: ${DEFAULT-VALUE}); port 0 picks a free one, which the"
                    + " 'ERA ready' log line names. The Unix socket in the data directory is always served.")
    String listen;

    @Option(names = "--store-url", paramLabel = "URL",
            description = "Keep the state in PostgreSQL, such as postgres://era:PASSWORD@db:5432/era (env ERA_STORE);"
                    + " without it, in the embedded SQLite file era.db in the data directory.")
    String storeUrl;

    @Override
    public Integer call() throws InterruptedException {
        OptionSpec inherited = spec.findOption("--data-dir");
        Path dataDir = inherited == null ? null : inherited.getValue();
        return serve(Optional.ofNullable(dataDir), listen, Optional.ofNullable(storeUrl));
    }

    /**
     * Runs the daemon until the JVM is asked to stop (SIGTERM, Ctrl-C) and returns the exit code:
     * 1 when it could not start, 2 for a bad {@code listen}. Main calls this directly for a plain
     * {@code era serve}, without picocli (see {@link ServeArgs}).
     */
    static int serve(Optional<Path> dataDir, String listen) throws InterruptedException {
        return serve(dataDir, listen, Optional.empty());
    }

    /** As {@link #serve(Optional, String)}, with the state in the PostgreSQL database at {@code storeUrl} when given. */
    static int serve(Optional<Path> dataDir, String listen, Optional<String> storeUrl) throws InterruptedException {
        Path dir = dataDir.orElseGet(() -> DaemonConfig.defaultDataDir(System.getenv()));
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            System.err.println("era serve: --listen must look like 127.0.0.1:7878, got '" + listen + "'");
            return 2;
        }
        String host = listen.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            System.err.println("era serve: the --listen port must be a number from 0 to 65535, got '"
                    + listen.substring(colon + 1) + "'");
            return 2;
        }
        Daemon daemon;
        try {
            DaemonConfig config = new DaemonConfig(dir.toAbsolutePath(), host, port, Duration.ofMillis(250));
            if (storeUrl.isPresent()) {
                config = config.withStoreUrl(storeUrl.get());
            }
            daemon = Daemon.start(config.withEnvironment(System.getenv()), System.out);
        } catch (DaemonStartException | dev.era.api.EraException e) {
            System.err.println("era serve: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "era-shutdown"));
        stopped.await();
        return 0;
    }
}
