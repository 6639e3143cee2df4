package dev.era.api;

/** What an engine can do beyond the basic lifecycle; the HTTP API lists them under {@code /plugins}. */
public enum Capability {
    LOGS, METRICS, SANDBOX, VOLUME, NETWORK, NAMESPACES, K8S, WASM, EXEC, PTY, FILES, SNAPSHOT, CHECKPOINT
}
