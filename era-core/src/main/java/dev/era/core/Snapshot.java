package dev.era.core;

import java.time.Instant;

/**
 * A saved copy of a sandbox's workspace.
 *
 * @param status   {@code in_progress}, {@code complete} or {@code failed}
 * @param location where the archive is: {@code file:...} in the data directory or {@code s3://bucket/key}
 */
public record Snapshot(String id, String tenant, String sandboxId, String name, String status, long sizeBytes,
                       String location, String message, Instant createdAt) {}
