package dev.era.engine.process;

import dev.era.api.AppStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * What the wrapper writes when the work ends: {@code "<exit code> <oom kills>"}. The file's
 * modification time is the exit time.
 */
record ExitRecord(int exitCode, long oomKills, Instant at) {
    static Optional<ExitRecord> read(Path file) {
        try {
            String[] f = Files.readString(file).trim().split("\\s+");
            if (f.length < 1 || f[0].isEmpty()) {
                return Optional.empty(); // being written right now
            }
            long oom = f.length > 1 ? Long.parseLong(f[1]) : 0;
            return Optional.of(new ExitRecord(Integer.parseInt(f[0]), oom, Files.getLastModifiedTime(file).toInstant()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static void write(Path file, int exitCode) {
        try {
            Files.writeString(file, exitCode + " 0\n");
        } catch (IOException e) {
            // the run directory is gone (deleted): nobody will ask for the status
        }
    }

    AppStatus.Exited toExited() {
        return new AppStatus.Exited(exitCode, reason(exitCode, oomKills > 0), at);
    }

    static String reason(int exitCode, boolean oom) {
        if (oom && exitCode != 0) {
            return "out of memory";
        }
        if (exitCode == 0) {
            return "exited";
        }
        if (exitCode > 128 && exitCode < 128 + 65) {
            return "killed by " + signalName(exitCode - 128);
        }
        return "exited with code " + exitCode;
    }

    static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 14 -> "SIGALRM";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }
}
