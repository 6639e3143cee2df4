package dev.era.cli;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The terminal on this process's standard input, driven with {@code stty} (which every Unix has;
 * FFM {@code tcsetattr} would need the platform's {@code termios} layout). {@link #raw()} passes every
 * key through, Ctrl-C included; {@link #close()} restores the settings found at the start, also when
 * the JVM is stopped.
 */
final class Terminal implements AutoCloseable {
    private static final Duration POLL = Duration.ofSeconds(1);

    record Size(int rows, int cols) {}

    private final String saved;
    private final Thread restoreAtExit;
    private volatile boolean restored;

    private Terminal(String saved) {
        this.saved = saved;
        this.restoreAtExit = new Thread(this::restore, "era-terminal-restore");
    }

    /** The terminal, or empty when standard input is not one (a pipe, a file, no controlling terminal). */
    static Optional<Terminal> open() {
        try {
            return Optional.of(new Terminal(stty("-g").trim()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The size now; 24x80 when the terminal does not say. */
    Size size() {
        try {
            String[] rc = stty("size").trim().split("\\s+");
            int rows = Integer.parseInt(rc[0]);
            int cols = Integer.parseInt(rc[1]);
            if (rows > 0 && cols > 0) {
                return new Size(rows, cols);
            }
        } catch (IOException | RuntimeException e) {
            // reported as the usual size below
        }
        return new Size(24, 80);
    }

    /** Keys reach this process one by one, unechoed, with no signals from Ctrl-C or Ctrl-Z. */
    void raw() throws IOException {
        Runtime.getRuntime().addShutdownHook(restoreAtExit);
        stty("raw", "-echo");
    }

    /**
     * Calls {@code changed} with the new size whenever the window is resized: on SIGWINCH where the
     * JDK's unsupported {@code sun.misc.Signal} is there, else by asking every second.
     */
    void onResize(java.util.function.Consumer<Size> changed) {
        Semaphore signalled = new Semaphore(0);
        boolean signals = trapWinch(signalled::release);
        Thread watcher = new Thread(() -> {
            Size last = size();
            while (!restored) {
                try {
                    if (signals) {
                        signalled.acquire();
                    } else {
                        signalled.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                Size now = size();
                if (!restored && !now.equals(last)) {
                    last = now;
                    changed.accept(now);
                }
            }
        }, "era-terminal-resize");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** sun.misc.Signal through reflection: the JDK warns at compile time about any direct use of it. */
    private static boolean trapWinch(Runnable handler) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object winch = signal.getConstructor(String.class).newInstance("WINCH");
            Object proxy = Proxy.newProxyInstance(Terminal.class.getClassLoader(), new Class<?>[] {handlerType},
                    (self, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            handler.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        default -> "era SIGWINCH handler";
                    });
            signal.getMethod("handle", signal, handlerType).invoke(null, winch, proxy);
            return true;
        } catch (ReflectiveOperationException | IllegalArgumentException | SecurityException e) {
            return false;
        }
    }

    private void restore() {
        if (restored) {
            return;
        }
        restored = true;
        try {
            stty(saved);
        } catch (IOException e) {
            // nothing more can be done for the terminal; `stty sane` fixes it by hand
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreAtExit);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is already exiting, or raw() was never called
        }
    }

    /** Runs stty on this process's standard input and returns what it printed. */
    private static String stty(String... args) throws IOException {
        String[] command = new String[args.length + 1];
        command[0] = "stty";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed: standard input is not a terminal");
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running stty", e);
        }
    }
}
