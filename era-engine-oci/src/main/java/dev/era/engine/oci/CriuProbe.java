package dev.era.engine.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Whether CRIU can checkpoint on this host, as {@code criu check} says. It runs once, in the
 * background from the first question on, so that asking for the engine's capabilities (as the
 * daemon's start does) never waits for it; {@link #problem()} waits.
 */
final class CriuProbe {
    private static final long TIMEOUT_SECONDS = 20;

    private final List<String> command;
    private volatile CompletableFuture<Optional<String>> result;

    CriuProbe(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** Empty when checkpoints work; otherwise why not, in criu's words. */
    Optional<String> problem() {
        return started().join();
    }

    /** True only once the probe has finished and found CRIU working. */
    boolean knownToWork() {
        CompletableFuture<Optional<String>> r = started();
        return r.isDone() && r.join().isEmpty();
    }

    private CompletableFuture<Optional<String>> started() {
        CompletableFuture<Optional<String>> r = result;
        if (r == null) {
            synchronized (this) {
                if (result == null) {
                    result = CompletableFuture.supplyAsync(this::check,
                            task -> Thread.ofVirtual().name("era-criu-check").start(task));
                }
                r = result;
            }
        }
        return r;
    }

    private Optional<String> check() {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of("'" + String.join(" ", command) + "' did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return p.exitValue() == 0 ? Optional.empty() : Optional.of(reason(new String(out, StandardCharsets.UTF_8), p.exitValue()));
        } catch (IOException e) {
            return Optional.of("criu is not installed (" + e.getMessage() + "); apt-get install criu");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("the criu check was interrupted");
        }
    }

    /** criu's first error line, which names the missing kernel feature. */
    static String reason(String output, int exit) {
        Function<String, String> clean = l -> l.replaceFirst("^Error \\([^)]*\\):\\s*", "").strip();
        return "'criu check' failed (exit " + exit + "): " + output.lines().filter(l -> l.startsWith("Error"))
                .findFirst().map(clean).orElse(output.strip().isEmpty() ? "no output" : output.strip().lines().findFirst().orElse(""));
    }
}
