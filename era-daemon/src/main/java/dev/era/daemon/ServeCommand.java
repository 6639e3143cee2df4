package dev.era.daemon;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code era serve}: runs the daemon in the foreground until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the ERA daemon in the foreground (embedded SQLite store, Unix socket and TCP API).")
final class ServeCommand implements Callable<Integer> {
    /** Holds the root command's inherited {@code --data-dir} (the same directory the other commands use). */
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7878",
            description = "TCP address for the API (default: ${DEFAULT-VALUE}); 'none' disables TCP.")
    String listen;

    @Override
    public Integer call() throws InterruptedException {
        OptionSpec inherited = spec.findOption("--data-dir");
        Path dataDir = inherited == null ? null : inherited.getValue();
        Path dir = dataDir != null ? dataDir : DaemonConfig.defaultDataDir(System.getenv());
        String host = "";
        int port = 0;
        if (!listen.equals("none")) {
            int colon = listen.lastIndexOf(':');
            if (colon <= 0) {
                System.err.println("--listen must look like 127.0.0.1:7878 (or 'none'), got " + listen);
                return 2;
            }
            host = listen.substring(0, colon);
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
            } catch (NumberFormatException e) {
                System.err.println("--listen port must be a number, got " + listen.substring(colon + 1));
                return 2;
            }
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(new DaemonConfig(dir.toAbsolutePath(), host, port, Duration.ofMillis(250)),
                    System.out);
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
