/**
 * What a storage backend implements for the agent runtime: the Local backend's SQLite store
 * lives in {@code dev.era.agents}; the Server backend implements the same {@link
 * dev.era.agents.spi.AgentStore} on PostgreSQL with an ownership fence.
 */
package dev.era.agents.spi;
