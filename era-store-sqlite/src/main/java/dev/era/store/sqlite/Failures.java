package dev.era.store.sqlite;

import dev.era.api.ConflictException;
import dev.era.api.EraException;
import dev.era.api.StoreException;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;

/**
 * Turns SQLite failures into ERA's exceptions, so that no {@link SQLException} leaves the store.
 * Every message names the database file, because the person reading it has to go and look at it.
 */
final class Failures {
    // Primary SQLite result codes (the low byte of an extended code), from sqlite3.h.
    private static final int PERM = 3;
    private static final int BUSY = 5;
    private static final int LOCKED = 6;
    private static final int READONLY = 8;
    private static final int IOERR = 10;
    private static final int CORRUPT = 11;
    private static final int FULL = 13;
    private static final int CANTOPEN = 14;
    private static final int CONSTRAINT = 19;
    private static final int NOTADB = 26;

    private Failures() {
    }

    /** The store could not do {@code doing} (a verb phrase such as "read the events"). */
    static StoreException store(Path file, String doing, SQLException e) {
        int code = e.getErrorCode() & 0xFF;
        return new StoreException("The state store " + file + " could not " + doing + ": " + e.getMessage()
                + "; " + hint(code), Map.of("file", file.toString(), "sqliteCode", e.getErrorCode()), e);
    }

    /**
     * Maps whatever a write operation threw. Expected conflicts are checked by the operations
     * themselves with a precise message; a constraint that still fires is reported as a conflict
     * rather than as a broken store, because the data on disk is fine. Errors pass through as they are.
     */
    static Throwable ofWrite(Path file, Throwable t) {
        return switch (t) {
            case EraException e -> e;
            case SQLException e when (e.getErrorCode() & 0xFF) == CONSTRAINT -> new ConflictException(
                    "The write clashes with data already in " + file + ": " + e.getMessage()
                            + "; read the current state and try again", Map.of("file", file.toString()), e);
            case SQLException e -> store(file, "write", e);
            case RuntimeException e -> e;
            case Error e -> e;
            default -> new StoreException("The state store " + file + " failed to write: " + t,
                    Map.of("file", file.toString()), t);
        };
    }

    private static String hint(int code) {
        return switch (code) {
            case NOTADB, CORRUPT -> "the file is damaged or is not an ERA database; restore it from a backup,"
                    + " or move it aside to start with an empty store";
            case FULL -> "the disk is full; free some space and retry";
            case READONLY, CANTOPEN, PERM -> "check that the daemon's user may read and write the file and its"
                    + " directory";
            case BUSY, LOCKED -> "another process holds the database locked; make sure only one ERA daemon uses"
                    + " this data directory";
            case IOERR -> "the disk reported an I/O error; check the disk and the file system";
            default -> "check the disk and the file";
        };
    }
}
