package dev.era.engine.process;

import dev.era.api.EngineException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sends signals through the shell's {@code kill}, which can signal a whole process group (a
 * negative pid); the JDK's {@code ProcessHandle} signals single processes only. Callers check that
 * a pid is still theirs before signalling it.
 */
final class Signals {
    private Signals() {
    }

    /** Signals the process group led by {@code leader}. */
    static void group(String signal, long leader) {
        send(signal, List.of("-" + leader));
    }

    static void processes(String signal, Collection<Long> pids) {
        if (!pids.isEmpty()) {
            send(signal, pids.stream().map(String::valueOf).toList());
        }
    }

    private static void send(String signal, List<String> targets) {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "s=$1; shift; kill -s \"$s\" -- \"$@\" 2>/dev/null", "era-kill", signal));
        cmd.addAll(targets);
        try {
            Process kill = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // a failure means the targets are already gone, which is what the caller wants
            if (!kill.waitFor(5, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            throw new EngineException("cannot run /bin/sh to send " + signal + " to " + targets + ": "
                    + e.getMessage() + "; the process engine needs /bin/sh", Map.of(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
