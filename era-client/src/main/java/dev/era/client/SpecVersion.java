package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * One stored version of a deployment's spec.
 *
 * @param current whether this is the version the deployment runs (or runs at its next start)
 * @param spec    the spec in its canonical JSON form
 */
public record SpecVersion(int version, boolean current, Instant createdAt, JsonNode spec) {}
