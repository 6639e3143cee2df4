package dev.era.core;

import java.time.Instant;

/** A stored API key: only the SHA-256 of the secret is kept. */
public record ApiKey(String id, String tenant, String sha256, String label, Instant createdAt) {}
