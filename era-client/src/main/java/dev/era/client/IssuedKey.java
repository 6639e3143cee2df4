package dev.era.client;

/** A key just issued: {@link #secret()} is shown this once; the daemon keeps only its hash. */
public record IssuedKey(ApiKey apiKey, String secret) {}
