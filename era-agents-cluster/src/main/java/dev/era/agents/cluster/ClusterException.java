package dev.era.agents.cluster;

/** The cluster could not be joined or configured (the database is unreachable, the nodes disagree on settings). */
public final class ClusterException extends RuntimeException {
    ClusterException(String message) {
        super(message);
    }

    ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
