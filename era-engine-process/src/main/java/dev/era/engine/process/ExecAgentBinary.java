package dev.era.engine.process;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The exec agent's program ({@code exec-agent.c}), compiled once per host by the C compiler into a
 * root-only directory and named after a hash of its source, so that daemons of different versions
 * sharing the host never run each other's. Compiling takes a fraction of a second and happens in
 * the background when the engine is made; without a C compiler there is no agent, and exec takes
 * the slower applier path ({@link SandboxExec}).
 */
final class ExecAgentBinary {
    static final String SOURCE = resource("exec-agent.c");
    private static final Logger LOG = LoggerFactory.getLogger(ExecAgentBinary.class);
    private static final long COMPILE_WAIT_SECONDS = 60;

    private final CompletableFuture<Optional<Path>> binary;

    private ExecAgentBinary(CompletableFuture<Optional<Path>> binary) {
        this.binary = binary;
    }

    /** Starts compiling into {@code dir} unless the binary is there already; {@code cc} empty means no agent. */
    static ExecAgentBinary prepare(Path dir, Optional<Path> cc) {
        Path target = dir.resolve("exec-agent-" + hash(SOURCE));
        if (Executables.isExecutableFile(target)) {
            return new ExecAgentBinary(CompletableFuture.completedFuture(Optional.of(target)));
        }
        if (cc.isEmpty()) {
            LOG.warn("no C compiler (cc) on PATH: sandboxes run without the exec agent, and each exec costs a fresh applier "
                    + "(10-30 ms); apt-get install gcc for fast exec");
            return new ExecAgentBinary(CompletableFuture.completedFuture(Optional.empty()));
        }
        CompletableFuture<Optional<Path>> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("era-exec-agent-cc").start(() -> f.complete(compile(cc.get(), dir, target)));
        return new ExecAgentBinary(f);
    }

    static ExecAgentBinary none() {
        return new ExecAgentBinary(CompletableFuture.completedFuture(Optional.empty()));
    }

    /** The compiled agent, waiting for the compiler if it is still at work; empty when it failed. */
    Optional<Path> await() {
        try {
            return binary.get(COMPILE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> compile(Path cc, Path dir, Path target) {
        try {
            Files.createDirectories(dir);
            Path work = Files.createTempDirectory(dir, "exec-agent-build-");
            try {
                Path source = Files.writeString(work.resolve("exec-agent.c"), SOURCE);
                Path out = work.resolve("exec-agent");
                Process p = new ProcessBuilder(List.of(cc.toString(), "-O2", "-o", out.toString(), source.toString()))
                        .redirectErrorStream(true).start();
                String messages = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0 || !Files.isRegularFile(out)) {
                    LOG.warn("the exec agent did not compile with {} (exec falls back to the slower applier): {}", cc, messages);
                    return Optional.empty();
                }
                Files.setAttribute(out, "unix:mode", 0700);
                Files.move(out, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return Optional.of(target);
            } finally {
                Artifacts.deleteTree(work);
            }
        } catch (IOException e) {
            LOG.warn("cannot build the exec agent in {} (exec falls back to the slower applier): {}", dir, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = ExecAgentBinary.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the era-engine-process jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
