package dev.era.store.postgres;

import dev.era.agents.AgentRuntimeException;
import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.AgentStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agent store contract, against a real PostgreSQL. */
class PostgresAgentStoreTest extends AgentStoreContract {
    static EmbeddedPostgres postgres;
    private String database;

    @BeforeAll
    static void startServer() throws Exception {
        postgres = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        postgres.close();
    }

    @Override
    protected AgentStore newStore() {
        try {
            database = postgres.createDatabase();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return PostgresAgentStore.open(postgres.config(database), Clock.systemUTC());
    }

    @Override
    protected AgentStore reopenStore() {
        return PostgresAgentStore.open(postgres.config(database), Clock.systemUTC());
    }

    @Test
    void aMissingDatabaseIsAStoreFailureNamingIt() {
        assertThatThrownBy(() -> PostgresAgentStore.open(postgres.config("no_agents_db"), Clock.systemUTC()))
                .isInstanceOf(AgentRuntimeException.StoreFailed.class).hasMessageContaining("no_agents_db")
                .hasMessageContaining("createdb");
    }

    @Test
    void theAgentTablesLiveBesideTheStateStoresInOneDatabase() {
        try (PostgresStateStore state = PostgresStateStore.open(postgres.config(database))) {
            state.append(dev.era.testing.StoreFixtures.daemonEvent(java.time.Instant.now(), "both stores"));
            commit(write(ALICE).state("1").build());
            org.assertj.core.api.Assertions.assertThat(store.load(ALICE).state()).isPresent();
            org.assertj.core.api.Assertions.assertThat(state.lastSeq()).isPositive();
        }
    }
}
