package dev.era.engine.oci;

import dev.era.api.AppStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/** Reads the exit status the shim recorded ({@code runc run}'s own: the code, or 128 + n for signal n). */
final class ExitStatus {
    private ExitStatus() {
    }

    static Optional<AppStatus.Exited> read(Path exitFile, Clock clock) {
        try {
            if (!Files.exists(exitFile)) {
                return Optional.empty();
            }
            int code = Integer.parseInt(Files.readString(exitFile).strip());
            String reason = code == 0 ? "exited" : code > 128 && code < 128 + 65 ? "killed by signal " + (code - 128)
                    : "exited with code " + code;
            return Optional.of(new AppStatus.Exited(code, reason, Files.getLastModifiedTime(exitFile).toInstant()));
        } catch (IOException | NumberFormatException e) {
            return Optional.of(new AppStatus.Exited(-1, "unreadable exit record " + exitFile + ": " + e.getMessage(), clock.instant()));
        }
    }
}
