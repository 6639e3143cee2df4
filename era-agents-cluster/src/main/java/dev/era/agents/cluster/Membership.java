package dev.era.agents.cluster;

import dev.era.agent.AgentRef;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.spi.AgentHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * This node's view of the cluster, kept in PostgreSQL by a heartbeat every quarter lease:
 * <ol>
 * <li>its member row ({@code era_member}: node, incarnation token, address, heartbeat time);</li>
 * <li>the live members (heartbeat within one lease) and, by consistent hashing over them, the
 *     partitions this node should own;</li>
 * <li>its partition leases ({@code era_partition}): renews those it holds, releases those it
 *     should no longer own (a node joined), takes those it should own whose lease is free or
 *     expired, each take incrementing the partition's epoch;</li>
 * <li>the routing table: which node serves each partition.</li>
 * </ol>
 * Lease times are the database's ({@code now()}), so node clocks need not agree. Locally a lease
 * counts as held until 90% of the lease after the renewal was <em>sent</em>, by the monotonic
 * clock; a node that is paused or cut off stops taking ticks before anyone else may take over.
 * Whatever the local view, the fence in every commit ({@link PgWriter}) is what makes a stale
 * owner harmless.
 */
final class Membership implements Fencing, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private record Lease(long epoch, long validUntilNanos) {
    }

    private final DataSource ds;
    private final ClusterConfig config;
    private final String token;
    private final String address;
    private final long leaseMs;
    private final AtomicReferenceArray<Lease> held;
    /** The epoch of the last lease this node had per partition; kept after a loss or release. */
    private final java.util.concurrent.atomic.AtomicLongArray lastEpoch;
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("era-cluster-ownership").daemon(true).unstarted(r));
    private final AtomicLong beats = new AtomicLong();
    private volatile Route[] routes;
    private volatile Map<String, String> members = Map.of();
    private volatile AgentHost host;
    private volatile boolean stopped;
    private Thread loop;

    Membership(DataSource ds, ClusterConfig config, String address) {
        this.ds = ds;
        this.config = config;
        this.address = address;
        this.token = config.nodeId() + "/" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        this.leaseMs = config.lease().toMillis();
        this.held = new AtomicReferenceArray<>(config.partitions());
        this.lastEpoch = new java.util.concurrent.atomic.AtomicLongArray(config.partitions());
        this.routes = new Route[config.partitions()];
    }

    /** Creates the tables and lease rows if needed, takes a first view, then heartbeats in the background. */
    void start() {
        try (Connection c = ds.getConnection()) {
            PgSchema.migrate(c);
            PgSchema.partitions(c, config.partitions());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM era_partition")) {
                rs.next();
                if (rs.getInt(1) != config.partitions()) {
                    throw new ClusterException("This database's cluster has " + rs.getInt(1) + " partitions, but node "
                            + config.nodeId() + " is configured with " + config.partitions() + "; every node must use the same number");
                }
            }
        } catch (SQLException e) {
            throw new ClusterException("Could not prepare the cluster tables in " + config.jdbcUrl() + ": " + e.getMessage(), e);
        }
        beat();
        loop = Thread.ofPlatform().name("era-cluster-heartbeat-" + config.nodeId()).daemon(true).start(this::run);
    }

    void attach(AgentHost host) {
        this.host = host;
    }

    String nodeId() {
        return config.nodeId();
    }

    String address() {
        return address;
    }

    long beats() {
        return beats.get();
    }

    /** Where the agent is served now, as far as this node knows. */
    Route route(AgentRef agent) {
        Route r = routes[partition(agent)];
        return r != null ? r : new Route(config.nodeId(), address);
    }

    Map<String, String> members() {
        return members;
    }

    /** The partitions this node holds a valid lease for now. */
    int ownedPartitions() {
        int n = 0;
        long now = System.nanoTime();
        for (int p = 0; p < held.length(); p++) {
            Lease l = held.get(p);
            if (l != null && now - l.validUntilNanos < 0) {
                n++;
            }
        }
        return n;
    }

    // ---- Fencing ----

    @Override
    public long fenceFor(AgentRef agent) {
        int p = partition(agent);
        Lease l = held.get(p);
        if (l == null || System.nanoTime() - l.validUntilNanos >= 0) {
            Route r = routes[p];
            throw new AgentRuntimeException.NotOwner("Node " + config.nodeId() + " does not own " + agent + " (partition " + p
                    + (r != null ? "; node " + r.nodeId() + " at " + r.address() + " serves it" : "") + "); send to the owner",
                    Map.of("agent", agent.toString(), "partition", p, "node", config.nodeId()));
        }
        return l.epoch;
    }

    /**
     * The epoch of the last lease this node had for the agent's partition, also after its local
     * validity ran out or it was released (0 if it never had one). A tick that commits was loaded
     * under this epoch: had the node taken the partition again since, under a newer one, the commit
     * would be refused.
     */
    long heldEpoch(AgentRef agent) {
        return lastEpoch.get(partition(agent));
    }

    @Override
    public boolean owns(AgentRef agent) {
        Lease l = held.get(partition(agent));
        return l != null && System.nanoTime() - l.validUntilNanos < 0;
    }

    @Override
    public boolean enforced() {
        return true;
    }

    @Override
    public String token() {
        return token;
    }

    @Override
    public int partition(AgentRef agent) {
        return Hashing.partition(agent, config.partitions());
    }

    // ---- the heartbeat ----

    private void run() {
        long period = config.heartbeat().toMillis();
        while (!stopped) {
            long started = System.nanoTime();
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                if (stopped) {
                    return;
                }
            }
            if (!stopped) {
                beat();
            }
            long took = (System.nanoTime() - started) / 1_000_000 - period;
            if (took > period) {
                LOG.warn("A heartbeat of node {} took {} ms (period {} ms); leases may lapse", config.nodeId(), took, period);
            }
        }
    }

    private synchronized void beat() {
        if (stopped) {
            return;
        }
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                // A takeover waits at most this for a row that a paused node's commit locked; it retries next beat.
                s.execute("SET lock_timeout = " + Math.max(50, config.heartbeat().toMillis() / 2));
            }
            heartbeat(c);
            Map<String, String> live = liveMembers(c);
            members = live;
            Ring ring = Ring.of(live.keySet());
            BitSet desired = new BitSet();
            for (int p = 0; p < config.partitions(); p++) {
                if (ring.owner(p).map(config.nodeId()::equals).orElse(false)) {
                    desired.set(p);
                }
            }
            long t0 = System.nanoTime();
            Map<Integer, Long> renewed = renew(c);
            Set<Integer> lost = new HashSet<>();
            for (int p = 0; p < held.length(); p++) {
                if (held.get(p) != null && !renewed.containsKey(p)) {
                    held.set(p, null);
                    lost.add(p);
                }
            }
            List<Integer> release = new ArrayList<>();
            for (Map.Entry<Integer, Long> e : renewed.entrySet()) {
                lastEpoch.set(e.getKey(), e.getValue());
                if (desired.get(e.getKey())) {
                    held.set(e.getKey(), new Lease(e.getValue(), t0 + leaseMs * 900_000L));
                } else {
                    held.set(e.getKey(), null); // first stop ticking it here, then let it go
                    release.add(e.getKey());
                }
            }
            if (!release.isEmpty()) {
                release(c, release);
                lost.addAll(release);
            }
            List<Integer> wanted = new ArrayList<>();
            for (int p = desired.nextSetBit(0); p >= 0; p = desired.nextSetBit(p + 1)) {
                if (!renewed.containsKey(p)) {
                    wanted.add(p);
                }
            }
            Set<Integer> acquired = new HashSet<>();
            if (!wanted.isEmpty()) {
                long t1 = System.nanoTime();
                try {
                    for (Map.Entry<Integer, Long> e : acquire(c, wanted).entrySet()) {
                        lastEpoch.set(e.getKey(), e.getValue());
                        held.set(e.getKey(), new Lease(e.getValue(), t1 + leaseMs * 900_000L));
                        acquired.add(e.getKey());
                    }
                } catch (SQLException e) {
                    LOG.debug("Node {} could not take partitions yet: {}", config.nodeId(), e.getMessage());
                }
            }
            routes = routes(c, ring, live);
            beats.incrementAndGet();
            notifyHost(lost, acquired);
        } catch (SQLException | RuntimeException e) {
            LOG.warn("The heartbeat of node {} failed: {}; its leases lapse unless a later one succeeds", config.nodeId(), e.toString());
        }
    }

    private void heartbeat(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO era_member (node, token, address, heartbeat) VALUES (?, ?, ?, now())"
                + " ON CONFLICT (node) DO UPDATE SET token = excluded.token, address = excluded.address, heartbeat = now()")) {
            ps.setString(1, config.nodeId());
            ps.setString(2, token);
            ps.setString(3, address);
            ps.executeUpdate();
        }
    }

    private Map<String, String> liveMembers(Connection c) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT node, address FROM era_member"
                + " WHERE heartbeat > now() - ? * interval '1 millisecond'")) {
            ps.setLong(1, leaseMs);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    /** Rows are locked in partition order everywhere (here and in the writer), so that no two transactions deadlock. */
    private Map<Integer, Long> renew(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE era_partition SET expires = now() + ? * interval '1 millisecond'"
                + " WHERE part IN (SELECT part FROM era_partition WHERE owner = ? ORDER BY part FOR UPDATE) AND owner = ?"
                + " RETURNING part, epoch")) {
            ps.setLong(1, leaseMs);
            ps.setString(2, token);
            ps.setString(3, token);
            return partEpochs(ps);
        }
    }

    private void release(Connection c, List<Integer> parts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE era_partition SET owner = NULL, node = NULL, expires = now()"
                + " WHERE part IN (SELECT part FROM era_partition WHERE part = ANY(?) AND owner = ? ORDER BY part FOR UPDATE)")) {
            ps.setArray(1, ints(c, parts));
            ps.setString(2, token);
            ps.executeUpdate();
        }
    }

    private Map<Integer, Long> acquire(Connection c, List<Integer> parts) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE era_partition SET owner = ?, node = ?, epoch = epoch + 1,"
                + " expires = now() + ? * interval '1 millisecond' WHERE part IN (SELECT part FROM era_partition"
                + " WHERE part = ANY(?) AND (owner IS NULL OR expires < now()) ORDER BY part FOR UPDATE)"
                + " AND (owner IS NULL OR expires < now()) RETURNING part, epoch")) {
            ps.setString(1, token);
            ps.setString(2, config.nodeId());
            ps.setLong(3, leaseMs);
            ps.setArray(4, ints(c, parts));
            return partEpochs(ps);
        }
    }

    private Route[] routes(Connection c, Ring ring, Map<String, String> live) throws SQLException {
        Route[] out = new Route[config.partitions()];
        try (PreparedStatement ps = c.prepareStatement("SELECT part, node FROM era_partition WHERE owner IS NOT NULL AND expires > now()");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String node = rs.getString(2);
                String addr = live.get(node);
                if (addr != null) {
                    out[rs.getInt(1)] = new Route(node, addr);
                }
            }
        }
        for (int p = 0; p < out.length; p++) {
            if (out[p] == null) { // no live holder: the node that is about to take it
                String node = ring.owner(p).orElse(config.nodeId());
                out[p] = new Route(node, live.getOrDefault(node, address));
            }
        }
        return out;
    }

    private void notifyHost(Set<Integer> lost, Set<Integer> acquired) {
        AgentHost h = host;
        if (h == null || (lost.isEmpty() && acquired.isEmpty())) {
            return;
        }
        if (!lost.isEmpty()) {
            LOG.info("Node {} no longer owns {} partition(s)", config.nodeId(), lost.size());
            Set<Integer> l = Set.copyOf(lost);
            notifier.execute(() -> h.released(a -> l.contains(partition(a))));
        }
        if (!acquired.isEmpty()) {
            LOG.info("Node {} took {} partition(s)", config.nodeId(), acquired.size());
            Set<Integer> a = Set.copyOf(acquired);
            notifier.execute(() -> {
                try {
                    h.acquired(r -> a.contains(partition(r)));
                } catch (RuntimeException e) {
                    LOG.warn("Node {} could not reload alarms and messages of the partitions it took: {}", config.nodeId(), e.toString());
                }
            });
        }
    }

    private static Map<Integer, Long> partEpochs(PreparedStatement ps) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return out;
    }

    private static Array ints(Connection c, List<Integer> parts) throws SQLException {
        return c.createArrayOf("int4", parts.toArray());
    }

    /** Stops the heartbeat, then gives every lease back and leaves, so that the others take over at once. */
    @Override
    public void close() {
        synchronized (this) {
            stopped = true;
        }
        if (loop != null) {
            loop.interrupt();
            try {
                loop.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int p = 0; p < held.length(); p++) {
            held.set(p, null);
        }
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("UPDATE era_partition SET owner = NULL, node = NULL, expires = now()"
                    + " WHERE part IN (SELECT part FROM era_partition WHERE owner = ? ORDER BY part FOR UPDATE)")) {
                ps.setString(1, token);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM era_member WHERE node = ? AND token = ?")) {
                ps.setString(1, config.nodeId());
                ps.setString(2, token);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            LOG.warn("Node {} could not hand its leases back ({}); they expire within {} ms", config.nodeId(), e.toString(), leaseMs);
        }
        notifier.shutdownNow();
    }
}
