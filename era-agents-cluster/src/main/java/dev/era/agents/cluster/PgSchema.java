package dev.era.agents.cluster;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The agent tables on PostgreSQL: the SQLite store's tables with PostgreSQL types, plus the
 * cluster's members and partition leases. Text that is ordered (ids, KV keys) uses the "C"
 * collation: byte order of UTF-8, which is code point order, as in SQLite.
 * <p>
 * Nodes starting together migrate under a transaction-scoped advisory lock, so one creates and
 * the others find the tables.
 */
final class PgSchema {
    static final int VERSION = 1;
    private static final long MIGRATION_LOCK = 0x45524141_47454e54L; // "ERAAGENT"

    private static final String[] DDL = {
        """
        CREATE TABLE IF NOT EXISTS era_agent (type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
          state bytea NOT NULL, updated_ms bigint NOT NULL, PRIMARY KEY (type, id))""",
        """
        CREATE TABLE IF NOT EXISTS era_agent_kv (type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
          key text COLLATE "C" NOT NULL, value bytea NOT NULL, PRIMARY KEY (type, id, key))""",
        """
        CREATE TABLE IF NOT EXISTS era_agent_alarm (type text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
          name text COLLATE "C" NOT NULL, due_ms bigint NOT NULL, schedule text NOT NULL, data text NOT NULL,
          PRIMARY KEY (type, id, name))""",
        "CREATE INDEX IF NOT EXISTS era_agent_alarm_due ON era_agent_alarm (due_ms)",
        """
        CREATE TABLE IF NOT EXISTS era_agent_outbox (seq bigserial PRIMARY KEY, to_type text NOT NULL, to_id text NOT NULL,
          from_type text NOT NULL, from_id text NOT NULL, data bytea NOT NULL, created_ms bigint NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS era_agent_dead_letter (seq bigserial PRIMARY KEY, type text NOT NULL, id text NOT NULL,
          trigger text NOT NULL, payload bytea NOT NULL, error text NOT NULL, attempts int NOT NULL, failed_ms bigint NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS era_agent_dead_letter_agent ON era_agent_dead_letter (type, id, seq)",
        """
        CREATE TABLE IF NOT EXISTS era_member (node text PRIMARY KEY, token text NOT NULL, address text NOT NULL,
          heartbeat timestamptz NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS era_partition (part int PRIMARY KEY, owner text, node text, epoch bigint NOT NULL,
          expires timestamptz NOT NULL)""",
        "CREATE TABLE IF NOT EXISTS era_agent_schema (version int NOT NULL)",
    };

    private PgSchema() {
    }

    static void migrate(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            for (String ddl : DDL) {
                s.execute(ddl);
            }
            try (var rs = s.executeQuery("SELECT max(version) FROM era_agent_schema")) {
                rs.next();
                int v = rs.getInt(1);
                if (v > VERSION) {
                    throw new SQLException("The agent tables have schema version " + v + ", newer than this ERA understands ("
                            + VERSION + "); run a newer ERA");
                }
                if (v < VERSION) {
                    s.execute("INSERT INTO era_agent_schema (version) VALUES (" + VERSION + ")");
                }
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Makes the lease rows of partitions 0..n-1 (unowned); idempotent. */
    static void partitions(Connection c, int n) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO era_partition (part, owner, node, epoch, expires) SELECT g, NULL, NULL, 0, now()"
                    + " FROM generate_series(0, " + (n - 1) + ") g ON CONFLICT (part) DO NOTHING");
        }
    }
}
