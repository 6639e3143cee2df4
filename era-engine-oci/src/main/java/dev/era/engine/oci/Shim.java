package dev.era.engine.oci;

import dev.era.api.EngineException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Launches {@code runc run} in the foreground under {@code setsid sh}: runc stays the container's
 * parent and returns its exit status (128 + n for signal n), which the shell writes to the exit
 * file (through a rename, so a reader never sees half of it). In its own session the shim outlives
 * the daemon; the container's output is appended to the log file.
 */
final class Shim {
    private static final String SCRIPT = "\"$1\" --root \"$2\" run --bundle \"$3\" --pid-file \"$5\" \"$4\" </dev/null >>\"$7\" 2>&1; "
            + "echo $? > \"$6.tmp\" && mv \"$6.tmp\" \"$6\"";
    /** The same around {@code runc restore}, which also stays the restored container's parent. */
    private static final String RESTORE = "\"$1\" --root \"$2\" restore --bundle \"$3\" --pid-file \"$5\" --image-path \"$8\" "
            + "--work-path \"$8\" \"$4\" </dev/null >>\"$7\" 2>&1; echo $? > \"$6.tmp\" && mv \"$6.tmp\" \"$6\"";

    private Shim() {
    }

    static Process launch(Runc runc, Path bundle, String container, Path pidFile, Path exitFile, Path log) {
        return launch(command(SCRIPT, runc, bundle, container, pidFile, exitFile, log), container, log);
    }

    /** Runs a checkpointed container again from the CRIU images in {@code images}. */
    static Process restore(Runc runc, Path bundle, String container, Path pidFile, Path exitFile, Path log, Path images) {
        List<String> command = command(RESTORE, runc, bundle, container, pidFile, exitFile, log);
        command.add(images.toString());
        return launch(command, container, log);
    }

    private static List<String> command(String script, Runc runc, Path bundle, String container, Path pidFile, Path exitFile,
                                        Path log) {
        List<String> command = new ArrayList<>(List.of("setsid", "/bin/sh", "-c", script, "era-oci-shim"));
        command.add(runc.command().getFirst());
        command.addAll(List.of(runc.root().toString(), bundle.toString(), container, pidFile.toString(), exitFile.toString(),
                log.toString()));
        return command;
    }

    private static Process launch(List<String> command, String container, Path log) {
        try {
            java.nio.file.Files.createDirectories(log.getParent());
            return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new EngineException("cannot start the runc shim for " + container + ": " + e.getMessage()
                    + "; check that setsid (util-linux) and runc are installed", Map.of("container", container), e);
        }
    }
}
