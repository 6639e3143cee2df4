package dev.era.agents;

import org.sqlite.SQLiteConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/** Opening SQLite connections and the agent schema. */
final class Sqlite {
    /** Only checkpoints and outside tools (a backup with the sqlite3 shell) contend for locks. */
    static final int BUSY_TIMEOUT_MS = 5_000;
    static final int SCHEMA_VERSION = 1;

    private static final String[] SCHEMA = {
        """
        CREATE TABLE IF NOT EXISTS agent (type TEXT NOT NULL, id TEXT NOT NULL, state BLOB NOT NULL,
          updated_ms INTEGER NOT NULL, PRIMARY KEY (type, id)) WITHOUT ROWID""",
        """
        CREATE TABLE IF NOT EXISTS kv (type TEXT NOT NULL, id TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
          PRIMARY KEY (type, id, key)) WITHOUT ROWID""",
        """
        CREATE TABLE IF NOT EXISTS alarm (type TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
          due_ms INTEGER NOT NULL, schedule TEXT NOT NULL, data TEXT NOT NULL,
          PRIMARY KEY (type, id, name)) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS alarm_due ON alarm (due_ms)",
        """
        CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, to_type TEXT NOT NULL,
          to_id TEXT NOT NULL, from_type TEXT NOT NULL, from_id TEXT NOT NULL, data BLOB NOT NULL,
          created_ms INTEGER NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS dead_letter (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,
          id TEXT NOT NULL, trigger TEXT NOT NULL, payload BLOB NOT NULL, error TEXT NOT NULL,
          attempts INTEGER NOT NULL, failed_ms INTEGER NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS dead_letter_agent ON dead_letter (type, id, seq)",
    };

    private Sqlite() {
    }

    /**
     * The one connection that writes. WAL with {@code synchronous=NORMAL}: a commit is in the WAL
     * file (the OS page cache) when COMMIT returns, so {@code kill -9} of the process cannot lose
     * it; a power loss before the next checkpoint can (out of scope for the embedded backend,
     * as for era-store-sqlite; FULL would cost an fsync per group commit).
     */
    static Connection writer(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        // Otherwise the driver asks for last_insert_rowid() after every update; the outbox uses RETURNING.
        config.setGetGeneratedKeys(false);
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        try {
            String mode = pragma(c, "journal_mode");
            if (!"wal".equalsIgnoreCase(mode)) {
                throw new SQLException("SQLite kept journal_mode=" + mode + " instead of WAL; put " + file
                        + " on a local file system (network file systems lack the shared memory WAL needs)");
            }
            migrate(c, file);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    static Connection reader(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        return DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
    }

    private static void migrate(Connection c, Path file) throws SQLException {
        int version = Integer.parseInt(pragma(c, "user_version"));
        if (version > SCHEMA_VERSION) {
            throw new AgentRuntimeException.StoreFailed("The agent store " + file + " has schema version " + version
                    + ", newer than this ERA understands (" + SCHEMA_VERSION + "); run a newer ERA or restore a backup",
                    Map.of("file", file.toString(), "version", version), null);
        }
        if (version == SCHEMA_VERSION) {
            return;
        }
        exec(c, "BEGIN IMMEDIATE");
        try {
            for (String ddl : SCHEMA) {
                exec(c, ddl);
            }
            exec(c, "PRAGMA user_version = " + SCHEMA_VERSION);
            exec(c, "COMMIT");
        } catch (SQLException e) {
            rollbackQuietly(c);
            throw e;
        }
    }

    static String pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getString(1) : "";
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static void rollbackQuietly(Connection c) {
        try {
            exec(c, "ROLLBACK");
        } catch (SQLException ignored) {
            // SQLite may have rolled back by itself (SQLITE_FULL, SQLITE_IOERR); the caller already has the failure.
        }
    }

    static AgentRuntimeException.StoreFailed failure(Path file, String doing, Throwable cause) {
        return new AgentRuntimeException.StoreFailed("Could not " + doing + " in the agent store " + file + ": "
                + cause.getMessage() + "; check the disk (space, permissions) and the log", Map.of("file", file.toString()), cause);
    }
}
