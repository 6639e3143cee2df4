package dev.era.agents.cluster;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * One node's cluster settings. Every node of a cluster uses the same PostgreSQL database, the same
 * {@code lease} and the same {@code partitions}; {@code nodeId} is unique per node and stable
 * across its restarts (a restarted node takes a fresh lease incarnation anyway).
 *
 * @param jdbcUrl    the shared PostgreSQL database, e.g. {@code jdbc:postgresql://db:5432/era}
 * @param nodeId     letters, digits, {@code -_.}; at most 64
 * @param listen     where this node takes forwarded calls from its peers (port 0: any free port);
 *                   peers reach it at the bound address, so it must be reachable by them
 * @param lease      how long an ownership lease lasts without renewal: a dead or frozen node's
 *                   agents move after at most this (plus one heartbeat)
 * @param partitions agents are placed in this many hash partitions, the unit of ownership
 * @param poolSize   PostgreSQL connections of this node (readers and the group-commit writer)
 */
public record ClusterConfig(String jdbcUrl, String user, String password, String nodeId, InetSocketAddress listen,
                            Duration lease, int partitions, int poolSize) {
    public ClusterConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(lease, "lease");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("The cluster's jdbcUrl must be a PostgreSQL URL (jdbc:postgresql://host:port/db); got " + jdbcUrl);
        }
        if (nodeId == null || !nodeId.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("A node id is 1 to 64 of letters, digits, '-', '_', '.'; got '" + nodeId + "'");
        }
        if (lease.toMillis() < 200) {
            throw new IllegalArgumentException("The lease must be at least 200 ms (heartbeats run every quarter of it); got " + lease);
        }
        if (partitions < 1 || partitions > 65_536) {
            throw new IllegalArgumentException("partitions must be 1 to 65536; got " + partitions);
        }
        if (poolSize < 2) {
            throw new IllegalArgumentException("poolSize must be at least 2 (a writer and a reader); got " + poolSize);
        }
    }

    /** Defaults: listen on 127.0.0.1 (any port), a 3 s lease, 256 partitions, 10 connections. */
    public static ClusterConfig of(String jdbcUrl, String user, String password, String nodeId) {
        return new ClusterConfig(jdbcUrl, user, password, nodeId, new InetSocketAddress("127.0.0.1", 0),
                Duration.ofSeconds(3), 256, 10);
    }

    public ClusterConfig withListen(InetSocketAddress address) {
        return new ClusterConfig(jdbcUrl, user, password, nodeId, address, lease, partitions, poolSize);
    }

    public ClusterConfig withLease(Duration d) {
        return new ClusterConfig(jdbcUrl, user, password, nodeId, listen, d, partitions, poolSize);
    }

    public ClusterConfig withPartitions(int n) {
        return new ClusterConfig(jdbcUrl, user, password, nodeId, listen, lease, n, poolSize);
    }

    public ClusterConfig withPoolSize(int n) {
        return new ClusterConfig(jdbcUrl, user, password, nodeId, listen, lease, partitions, n);
    }

    /** How long a node waits for a peer's answer to a forwarded call (a frozen peer fails the call after this). */
    Duration forwardTimeout() {
        return lease.multipliedBy(4).compareTo(Duration.ofSeconds(5)) > 0 ? lease.multipliedBy(4) : Duration.ofSeconds(5);
    }

    /** How long a call is retried while its agent changes owner. */
    Duration retryWindow() {
        return lease.multipliedBy(2).plusSeconds(5);
    }

    /** How often a node heartbeats, renews its leases and re-reads placement. */
    Duration heartbeat() {
        return lease.dividedBy(4);
    }
}
