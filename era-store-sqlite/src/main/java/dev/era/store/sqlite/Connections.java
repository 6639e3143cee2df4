package dev.era.store.sqlite;

import org.sqlite.SQLiteConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** Opens the store's SQLite connections with the settings the store's guarantees rest on. */
final class Connections {
    /**
     * How long a connection waits for a lock held by someone else before failing with SQLITE_BUSY.
     * Inside the daemon only checkpoints and WAL recovery contend; an outside tool (a backup with
     * the sqlite3 shell) may hold the lock for a moment longer.
     */
    static final int BUSY_TIMEOUT_MS = 5_000;

    private Connections() {
    }

    /**
     * The one connection that writes.
     * <p>
     * {@code synchronous=NORMAL} in WAL mode is enough for ERA: a transaction is committed once its
     * frames are written to the WAL file, which lives in the operating system's page cache, so a
     * crash or {@code kill -9} of the daemon cannot lose it. Only a power loss or kernel crash
     * before the next checkpoint's fsync can roll back the newest transactions; that is out of
     * scope for the embedded store (the database itself stays consistent), and FULL would cost an
     * fsync per commit. Hosts that need power-loss durability use the PostgreSQL store.
     */
    static Connection writer(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.enforceForeignKeys(true);
        Connection c = DriverManager.getConnection(url(file), config.toProperties());
        try {
            String mode = pragma(c, "journal_mode");
            if (!"wal".equalsIgnoreCase(mode)) {
                // Without WAL, readers would block the writer and the other way round.
                throw new SQLException("SQLite kept journal_mode=" + mode + " instead of WAL; the file system"
                        + " may not support shared memory (a network file system?); put the data directory"
                        + " on a local disk");
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * A connection that only reads. In WAL mode each read sees the last transaction committed
     * before it started, and never waits for the writer.
     */
    static Connection reader(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        return DriverManager.getConnection(url(file), config.toProperties());
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

    /** Ends a failed transaction; a failure here changes nothing for the caller, who already has one. */
    static void rollbackQuietly(Connection c) {
        try {
            exec(c, "ROLLBACK");
        } catch (SQLException ignored) {
            // SQLite may already have rolled the transaction back on its own (SQLITE_FULL, SQLITE_IOERR).
        }
    }

    private static String url(Path file) {
        return "jdbc:sqlite:" + file;
    }
}
