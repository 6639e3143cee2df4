package dev.era.agents.cluster;

import dev.era.store.postgres.EmbeddedPostgres;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.AgentStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Clock;

/** The store contract that the SQLite store keeps, against a real PostgreSQL. */
class PostgresAgentStoreContractTest extends AgentStoreContract {
    private static EmbeddedPostgres pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        pg.close();
    }

    @Override
    protected AgentStore open(Clock clock) throws Exception {
        return ClusterAgents.postgresStore(pg.jdbcUrl(pg.createDatabase()), "postgres", "", 4, clock);
    }
}
