package dev.era.agents;

import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.AgentStoreContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;

/** The Local backend's SQLite store against the agent store contract. */
class SqliteAgentStoreContractTest extends AgentStoreContract {
    @TempDir
    Path dir;

    @Override
    protected AgentStore newStore() {
        return SqliteAgentStore.open(dir.resolve("agents.db"), Clock.systemUTC());
    }

    @Override
    protected AgentStore reopenStore() {
        return SqliteAgentStore.open(dir.resolve("agents.db"), Clock.systemUTC());
    }
}
