package dev.era.agents;

import dev.era.agents.spi.AgentStore;
import dev.era.agents.spi.AgentStoreContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;

class SqliteAgentStoreContractTest extends AgentStoreContract {
    @TempDir
    Path dir;
    private int opened;

    @Override
    protected AgentStore open(Clock clock) {
        return SqliteAgentStore.open(dir.resolve("agents-" + (++opened) + ".db"), clock);
    }
}
