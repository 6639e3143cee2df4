package dev.era.engine.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.api.EngineException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The runc command line, with one state directory ({@code --root}) for all of ERA's containers. */
final class Runc {
    /** What {@code runc state} says of a container. */
    record State(String status, long pid) {
        boolean alive() {
            return status.equals("running") || status.equals("created") || status.equals("paused");
        }
    }

    private static final long TIMEOUT_SECONDS = 30;

    private final String binary;
    private final Path root;

    Runc(String binary, Path root) {
        this.binary = binary;
        this.root = root;
    }

    Path root() {
        return root;
    }

    /** The same runc on another state directory: a handle's containers live where they were created. */
    Runc at(Path otherRoot) {
        return otherRoot.equals(root) ? this : new Runc(binary, otherRoot);
    }

    List<String> command(String... args) {
        List<String> out = new ArrayList<>(List.of(binary, "--root", root.toString()));
        out.addAll(List.of(args));
        return out;
    }

    /** The container's state; empty when runc does not know it (never created, or deleted). */
    Optional<State> state(String container) {
        Result r = run(command("state", container));
        if (r.code() != 0) {
            return Optional.empty();
        }
        JsonNode json = Image.read("runc state " + container, r.output().getBytes(StandardCharsets.UTF_8));
        return Optional.of(new State(json.path("status").asText(""), json.path("pid").asLong(0)));
    }

    /** The ids of every container runc knows under this root. */
    List<String> list() {
        Result r = run(command("list", "--quiet"));
        return r.code() != 0 ? List.of() : r.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** Runs a runc subcommand that must succeed. */
    void must(String what, String... args) {
        Result r = run(command(args));
        if (r.code() != 0) {
            throw new EngineException("runc " + String.join(" ", args) + " failed (" + what + "): " + r.output().strip(),
                    Map.of("runc", String.join(" ", args)));
        }
    }

    /** Runs a runc subcommand whose failure is expected at times (killing what already ended). */
    Result quietly(String... args) {
        return run(command(args));
    }

    record Result(int code, String output) {}

    private static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new EngineException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s", Map.of());
            }
            return new Result(p.exitValue(), output);
        } catch (IOException e) {
            throw new EngineException("cannot run " + command.getFirst() + ": " + e.getMessage() + "; install runc (apt-get install runc)",
                    Map.of(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while running " + String.join(" ", command), Map.of(), e);
        }
    }
}
