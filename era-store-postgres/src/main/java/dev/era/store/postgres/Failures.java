package dev.era.store.postgres;

import dev.era.api.ConflictException;
import dev.era.api.EraException;
import dev.era.api.StoreException;

import java.sql.SQLException;
import java.util.Map;

/**
 * Turns PostgreSQL failures into ERA's exceptions, so that no {@link SQLException} leaves the
 * store. Every message names the database (URL and user, never the password).
 */
final class Failures {
    private Failures() {
    }

    /** The store could not do {@code doing} (a verb phrase such as "read the events"). */
    static StoreException store(String where, String doing, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return new StoreException("The PostgreSQL state store " + where + " could not " + doing + ": " + e.getMessage()
                + "; " + hint(state), Map.of("database", where, "sqlState", state), e);
    }

    /**
     * Maps whatever a write threw. Expected conflicts are checked by the operations themselves with a
     * precise message; a unique or foreign-key violation that still fires (two nodes racing) is a
     * conflict, because the data is fine. ERA's own exceptions pass through.
     */
    static RuntimeException ofWrite(String where, Exception t) {
        return switch (t) {
            case EraException e -> e;
            case SQLException e when e.getSQLState() != null && e.getSQLState().startsWith("23") -> new ConflictException(
                    "The write clashes with data already in " + where + ": " + e.getMessage()
                            + "; read the current state and try again", Map.of("database", where), e);
            case SQLException e -> store(where, "write", e);
            case RuntimeException e -> e;
            default -> new StoreException("The PostgreSQL state store " + where + " failed to write: " + t,
                    Map.of("database", where), t);
        };
    }

    private static String hint(String state) {
        if (state.startsWith("08")) {
            return "the connection failed; check that PostgreSQL runs and that the URL's host and port reach it";
        }
        if (state.equals("28P01") || state.equals("28000")) {
            return "the server refused the user or password; check the credentials in the store URL";
        }
        if (state.equals("3D000")) {
            return "the database does not exist; create it (createdb) or fix the URL's path";
        }
        if (state.startsWith("53")) {
            return "the server is out of resources (disk, memory or connections); free some and retry";
        }
        if (state.startsWith("42")) {
            return "the schema is not what this build expects; check that only ERA writes this database";
        }
        return "check the server's log";
    }
}
