package dev.era.store.sqlite;

import dev.era.api.StoreException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings a database file up to this build's schema by applying the SQL files under
 * {@code db/sqlite/} in version order, each in its own transaction, and recording each in
 * {@code schema_version}. A file whose schema is newer than this build is refused before any
 * migration runs.
 * <p>
 * Hand-written rather than Flyway: the whole job is these few lines, and the store must refuse a
 * newer schema with its own message (Flyway ignores "future" migrations by default).
 */
final class Migrations {
    /**
     * The migration files, oldest first. A class loader cannot list a directory inside a jar, so
     * they are named here; a test checks that this list and the resource directory agree.
     */
    static final List<String> FILES = List.of("V001__init.sql", "V002__sandboxes.sql", "V003__rollouts.sql");

    private static final String DIR = "db/sqlite/";
    private static final Pattern NAME = Pattern.compile("V(\\d{3,})__[a-z0-9_]+\\.sql");

    record Migration(int version, String file, String sql) {}

    private Migrations() {
    }

    /** The schema version this build writes. */
    static int latest() {
        return FILES.size();
    }

    static void apply(Connection c, Path dbFile) throws SQLException {
        Connections.exec(c, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                + " file TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
        refuseNewer(current(c), dbFile);
        for (Migration m : known()) {
            Connections.exec(c, "BEGIN IMMEDIATE");
            try {
                // Read again under the write lock: another process may have migrated meanwhile.
                int current = current(c);
                refuseNewer(current, dbFile);
                if (current >= m.version()) {
                    Connections.exec(c, "ROLLBACK");
                    continue;
                }
                for (String statement : statements(m.sql())) {
                    Connections.exec(c, statement);
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO schema_version (version, file, applied_at) VALUES (?, ?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.file());
                    ps.setLong(3, System.currentTimeMillis()); // informational only, so no injected clock
                    ps.executeUpdate();
                }
                Connections.exec(c, "COMMIT");
            } catch (SQLException | RuntimeException e) {
                Connections.rollbackQuietly(c);
                if (e instanceof SQLException sql) {
                    throw new SQLException("migration " + m.file() + " failed: " + sql.getMessage(),
                            sql.getSQLState(), sql.getErrorCode(), sql);
                }
                throw e;
            }
        }
    }

    static int current(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Every migration this build knows, checked to be numbered 1, 2, 3, ... without gaps. */
    static List<Migration> known() {
        List<Migration> out = new ArrayList<>();
        for (String file : FILES) {
            Matcher m = NAME.matcher(file);
            if (!m.matches()) {
                throw new IllegalStateException("migration file " + file + " is not named like V001__what.sql");
            }
            int version = Integer.parseInt(m.group(1));
            if (version != out.size() + 1) {
                throw new IllegalStateException("migration " + file + " should be version " + (out.size() + 1));
            }
            out.add(new Migration(version, file, read(file)));
        }
        return out;
    }

    /**
     * Splits a migration file into statements at semicolons that end a line, after dropping
     * {@code --} comment lines. Migration files must therefore not end a line with ';' inside a
     * statement (no trigger bodies); the JDBC driver runs one statement per call.
     */
    static List<String> statements(String sql) {
        StringBuilder kept = new StringBuilder();
        sql.lines().filter(l -> !l.strip().startsWith("--")).forEach(l -> kept.append(l).append('\n'));
        return Arrays.stream(kept.toString().split(";\\s*\\n"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .map(s -> s.endsWith(";") ? s.substring(0, s.length() - 1) : s)
                .toList();
    }

    private static void refuseNewer(int current, Path dbFile) {
        if (current > latest()) {
            throw new StoreException("The state store " + dbFile + " has schema version " + current
                    + ", but this build of ERA knows schema versions up to " + latest()
                    + "; it was written by a newer ERA. Run that newer ERA, or restore a backup made by this"
                    + " version", Map.of("file", dbFile.toString(), "fileVersion", current, "knownVersion", latest()));
        }
    }

    private static String read(String file) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(DIR + file)) {
            if (in == null) {
                throw new IllegalStateException("migration " + DIR + file + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read migration " + DIR + file, e);
        }
    }
}
