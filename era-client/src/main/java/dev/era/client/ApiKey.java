package dev.era.client;

import java.time.Instant;

/** An API key as the daemon lists it: never its secret. */
public record ApiKey(String id, String tenant, String label, Instant createdAt) {}
