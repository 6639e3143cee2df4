package dev.era.agents.cluster;

import com.zaxxer.hikari.HikariDataSource;
import dev.era.agent.Agent;
import dev.era.agent.AgentPackage;
import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
import dev.era.agents.spi.AgentStore;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The agent runtime over PostgreSQL: one process ({@link #postgresStore}) or a cluster of nodes:
 * <pre>{@code
 * try (ClusterNode node = ClusterAgents.cluster(ClusterConfig.of(jdbcUrl, "era", secret, "node-1"))
 *         .register("counter", CounterAgent::new)
 *         .start()) {
 *     node.send("counter", "visits", "inc").join();   // runs wherever "visits" is owned
 * }
 * }</pre>
 * Every node registers the same agent types. See docs/cluster.md for the design.
 */
public final class ClusterAgents {
    private ClusterAgents() {
    }

    /**
     * A store for {@link EraAgents#withStore} when ONE process uses the database (no leases, no
     * fence). Never share it between processes; use {@link #cluster} for that.
     */
    public static AgentStore postgresStore(String jdbcUrl, String user, String password, int poolSize) {
        return postgresStore(jdbcUrl, user, password, poolSize, Clock.systemUTC());
    }

    static AgentStore postgresStore(String jdbcUrl, String user, String password, int poolSize, Clock clock) {
        HikariDataSource ds = Pools.open(jdbcUrl, user, password, poolSize, "era-agents", Optional.empty());
        try (Connection c = ds.getConnection()) {
            PgSchema.migrate(c);
        } catch (SQLException | RuntimeException e) {
            ds.close();
            throw new ClusterException("Could not prepare the agent tables in " + jdbcUrl + ": " + e.getMessage(), e);
        }
        return new PostgresAgentStore(ds, Fencing.NONE, clock, host -> { }, ds::close);
    }

    /** A node of the cluster described by {@code config}. */
    public static Builder cluster(ClusterConfig config) {
        return new Builder(Objects.requireNonNull(config, "config"));
    }

    /** Collects agent types and limits; frozen by {@link #start()}. */
    public static final class Builder {
        private final ClusterConfig config;
        private final Map<String, Supplier<? extends Agent<?>>> types = new LinkedHashMap<>();
        private Duration idleTimeout;
        private Integer maxActive;
        private boolean started;

        private Builder(ClusterConfig config) {
            this.config = config;
        }

        /** As {@link EraAgents.Builder#register(String, Supplier)}; every node registers the same types. */
        public Builder register(String type, Supplier<? extends Agent<?>> factory) {
            check();
            if (types.putIfAbsent(type, Objects.requireNonNull(factory, "factory")) != null) {
                throw new IllegalArgumentException("The agent type '" + type + "' is registered twice; give each type one factory");
            }
            return this;
        }

        public Builder register(AgentPackage agentPackage) {
            Objects.requireNonNull(agentPackage, "agentPackage").register(this::register);
            return this;
        }

        public Builder idleTimeout(Duration idle) {
            check();
            this.idleTimeout = idle;
            return this;
        }

        public Builder maxActiveAgents(int max) {
            check();
            this.maxActive = max;
            return this;
        }

        /**
         * Listens for peers, joins the cluster (creating the tables on first use), takes the
         * partitions consistent hashing gives this node as their leases allow, and starts.
         */
        public ClusterNode start() {
            check();
            if (types.isEmpty()) {
                throw new IllegalArgumentException("No agent type is registered; call register(type, factory) before start()");
            }
            started = true;
            HikariDataSource ds = Pools.open(config.jdbcUrl(), config.user(), config.password(), config.poolSize(),
                    "era-cluster-" + config.nodeId(), Optional.of(config.lease().dividedBy(2)));
            NodeServer server = null;
            Membership membership = null;
            try {
                server = NodeServer.bind(config.listen());
                membership = new Membership(ds, config, server.address());
                membership.start();
                Membership m = membership;
                PostgresAgentStore store = new PostgresAgentStore(ds, membership, Clock.systemUTC(), membership::attach, () -> {
                    m.close();
                    ds.close();
                });
                EraAgents.Builder b = EraAgents.withStore(store);
                types.forEach(b::register);
                if (idleTimeout != null) {
                    b.idleTimeout(idleTimeout);
                }
                if (maxActive != null) {
                    b.maxActiveAgents(maxActive);
                }
                AgentRuntime local = b.start();
                ClusterNode node = new ClusterNode(local, membership, new Forwarder(config.forwardTimeout(), config.nodeId()), server,
                        store, config);
                node.startServing();
                return node;
            } catch (RuntimeException e) {
                if (server != null) {
                    server.close();
                }
                if (membership != null) {
                    membership.close();
                }
                ds.close();
                throw e;
            }
        }

        private void check() {
            if (started) {
                throw new IllegalStateException("This builder already started a node; its settings are frozen");
            }
        }
    }
}
