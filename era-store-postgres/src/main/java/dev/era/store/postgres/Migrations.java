package dev.era.store.postgres;

import dev.era.api.StoreException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * Brings a database up to this build's schema by applying the SQL files under {@code db/postgres/}
 * in version order, each in its own transaction, and recording each in {@code schema_version}: the
 * same versions as the SQLite store's migrations, in PostgreSQL's dialect. Several daemons may
 * start at once against one database: each migration runs under a transaction-level advisory
 * lock, and a database whose schema is newer than this build is refused before anything is applied.
 */
final class Migrations {
    /** A class loader cannot list a directory inside a jar, so the files are named here; a test checks both agree. */
    static final List<String> FILES = List.of("V001__init.sql", "V002__sandboxes.sql");
    /** pg_advisory_xact_lock key of migrations ("ERA" + 1). */
    static final long LOCK = 0x455241_01L;

    private static final String DIR = "db/postgres/";
    private static final Pattern NAME = Pattern.compile("V(\\d{3,})__[a-z0-9_]+\\.sql");

    record Migration(int version, String file, String sql) {}

    private Migrations() {
    }

    static int latest() {
        return FILES.size();
    }

    static void apply(Connection c, String where) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (Migration m : known()) {
                try {
                    exec(c, "SELECT pg_advisory_xact_lock(" + LOCK + ")");
                    exec(c, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                            + " file TEXT NOT NULL, applied_at BIGINT NOT NULL)");
                    // read under the lock: another daemon may have migrated meanwhile
                    int current = current(c);
                    refuseNewer(current, where);
                    if (current >= m.version()) {
                        c.rollback();
                        continue;
                    }
                    for (String statement : statements(m.sql())) {
                        exec(c, statement);
                    }
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO schema_version (version, file, applied_at) VALUES (?, ?, ?)")) {
                        ps.setInt(1, m.version());
                        ps.setString(2, m.file());
                        ps.setLong(3, System.currentTimeMillis()); // informational only, so no injected clock
                        ps.executeUpdate();
                    }
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    if (e instanceof SQLException sql) {
                        throw new SQLException("migration " + m.file() + " failed: " + sql.getMessage(), sql.getSQLState(),
                                sql.getErrorCode(), sql);
                    }
                    throw e;
                }
            }
        } finally {
            c.setAutoCommit(auto);
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

    /** Splits a file into statements at semicolons that end a line, after dropping {@code --} comment lines. */
    static List<String> statements(String sql) {
        StringBuilder kept = new StringBuilder();
        sql.lines().filter(l -> !l.strip().startsWith("--")).forEach(l -> kept.append(l).append('\n'));
        return Arrays.stream(kept.toString().split(";\\s*\\n"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .map(s -> s.endsWith(";") ? s.substring(0, s.length() - 1) : s)
                .toList();
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void refuseNewer(int current, String where) {
        if (current > latest()) {
            throw new StoreException("The PostgreSQL state store " + where + " has schema version " + current
                    + ", but this build of ERA knows schema versions up to " + latest()
                    + "; it was written by a newer ERA. Run that newer ERA, or restore a backup made by this version",
                    Map.of("database", where, "databaseVersion", current, "knownVersion", latest()));
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
