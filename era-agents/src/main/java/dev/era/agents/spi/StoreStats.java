package dev.era.agents.spi;

/** Counters of a store: commits (transactions), writes (ticks) they carried, and rows held. */
public record StoreStats(long commits, long writes, long agents, long alarms, long outbox, long deadLetters) {
}
