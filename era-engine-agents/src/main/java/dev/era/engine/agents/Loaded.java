package dev.era.engine.agents;

import dev.era.agents.AgentRuntime;

import java.time.Instant;
import java.util.List;

/** One deployment's package as loaded now: its runtime, its class loader and the types it serves. */
record Loaded(AgentHandle handle, AgentRuntime runtime, PackageLoader loader, List<String> types, Instant startedAt) {
    void close() {
        try {
            runtime.close();
        } finally {
            loader.close();
        }
    }
}
