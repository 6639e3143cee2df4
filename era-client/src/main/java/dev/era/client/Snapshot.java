package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A saved copy of a sandbox's workspace; start a sandbox from it with
 * {@link SandboxSpec.Builder#fromSnapshot(String)}.
 *
 * @param status   {@code in_progress}, {@code complete} or {@code failed}
 * @param location {@code file:...} in the daemon's data directory, or {@code s3://bucket/key}
 * @param json     the daemon's JSON, for tools that pass it on unchanged
 */
public record Snapshot(String id, String tenant, String sandboxId, String name, String status, long sizeBytes,
                       String location, String message, Instant createdAt, JsonNode json) {}
