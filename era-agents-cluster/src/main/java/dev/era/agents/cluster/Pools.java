package dev.era.agents.cluster;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.time.Duration;
import java.util.Optional;

/** HikariCP pools for the agent store. */
final class Pools {
    private Pools() {
    }

    /**
     * @param idleInTransaction when present, PostgreSQL ends a transaction left idle longer than this:
     *                          a node frozen (SIGSTOP, a long GC pause) inside a commit must not hold
     *                          the lease rows it locked until it thaws, or the takeover would wait for it
     */
    static HikariDataSource open(String jdbcUrl, String user, String password, int size, String name,
                                 Optional<Duration> idleInTransaction) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(jdbcUrl);
        c.setUsername(user);
        c.setPassword(password);
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(Math.min(2, size));
        c.setPoolName(name);
        c.setConnectionTimeout(10_000);
        // One multi-row INSERT per batch instead of one statement per row: group commit's main saving.
        c.addDataSourceProperty("reWriteBatchedInserts", "true");
        c.addDataSourceProperty("tcpKeepAlive", "true");
        idleInTransaction.ifPresent(d -> c.setConnectionInitSql("SET idle_in_transaction_session_timeout = " + d.toMillis()));
        return new HikariDataSource(c);
    }
}
