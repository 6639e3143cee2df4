package dev.era.agents.cluster;

import dev.era.store.postgres.EmbeddedPostgres;
import dev.era.agent.AgentRef;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The cluster benchmarks of issue 9, end to end with real node processes over a real PostgreSQL
 * (fsync on): durable ticks per second with 1 and 3 nodes, the latency a forwarded call adds, and
 * the time from a node's kill -9 to its agents answering on another node.
 * <pre>
 * java -cp "$CP" dev.era.agents.cluster.ClusterBench [seconds=10] [inflight=128] [failovers=5] [node counts=1,3]
 * </pre>
 */
final class ClusterBench {
    static final int PARTITIONS = 64;
    static final Duration LEASE = Duration.ofSeconds(2);

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int inflight = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int failovers = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path logs = Files.createTempDirectory("era-cluster-bench-");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(true)) {
            int[] sizes = java.util.Arrays.stream((args.length > 3 ? args[3] : "1,3").split(",")).mapToInt(Integer::parseInt).toArray();
            for (int n : sizes) {
                String jdbcUrl = pg.jdbcUrl(pg.createDatabase());
                List<NodeProcess> nodes = start(jdbcUrl, n, logs, http);
                try {
                    load(nodes, seconds, inflight / n);
                    if (n == 3) {
                        String l = nodes.getFirst().command("latency 2000", "LATENCY", Duration.ofMinutes(5));
                        System.out.printf("forwarded call (no commit), one at a time, 2000 each: %s (µs: local p50 p99, forwarded p50 p99)"
                                + "; load %.1f%n", l, ChaosRun.load());
                        failover(jdbcUrl, nodes, failovers, http);
                    }
                } finally {
                    for (NodeProcess p : nodes) {
                        p.close();
                    }
                }
            }
        }
        http.close();
    }

    private static List<NodeProcess> start(String jdbcUrl, int n, Path logs, HttpClient http) throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            NodeProcess p = new NodeProcess(jdbcUrl, "n" + i, ChaosRun.freePort(), LEASE, PARTITIONS, logs);
            nodes.add(p);
            p.start();
        }
        for (NodeProcess p : nodes) {
            p.awaitReady(http, Duration.ofSeconds(120));
        }
        ChaosRun.awaitSettled(http, nodes, PARTITIONS);
        return nodes;
    }

    private static void load(List<NodeProcess> nodes, int seconds, int inflight) throws Exception {
        // A warm-up round (JIT, connections, first loads), then the measured one.
        for (String phase : List.of("warm-up", "measured")) {
            int s = phase.equals("warm-up") ? Math.max(5, seconds / 2) : seconds;
            double before = ChaosRun.load();
            ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
            List<Future<String>> fs = new ArrayList<>();
            for (NodeProcess p : nodes) {
                fs.add(ex.submit(() -> p.command("load " + s * 1000L + " " + inflight, "LOAD", Duration.ofMinutes(5))));
            }
            long ticks = 0;
            long millis = 0;
            List<String> lines = new ArrayList<>();
            for (Future<String> f : fs) {
                String[] a = f.get().split(" ");
                ticks += Long.parseLong(a[2]);
                millis = Math.max(millis, Long.parseLong(a[5]));
                lines.add(a[1] + ": " + a[2] + " ticks, p50 " + a[3] + " µs, p99 " + a[4] + " µs");
            }
            ex.shutdown();
            System.out.printf("%s: %d node(s), %d in flight per node: %.0f durable ticks/s (%s); load %.1f -> %.1f%n", phase,
                    nodes.size(), inflight, ticks * 1000.0 / millis, String.join("; ", lines), before, ChaosRun.load());
        }
    }

    /** Kill -9 a node, then call one of its agents through another node: the time until it answers. */
    private static void failover(String jdbcUrl, List<NodeProcess> nodes, int rounds, HttpClient http) throws Exception {
        if (rounds == 0) {
            return;
        }
        long[] ms = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            NodeProcess victim = nodes.get(r % nodes.size());
            NodeProcess via = nodes.get((r + 1) % nodes.size());
            String agent = ownedBy(jdbcUrl, victim.nodeId(), "fo" + r + "-");
            String warm = ChaosRun.call(http, via, agent, "warm", Duration.ofSeconds(30), n -> { });
            if (warm != null) {
                throw new IllegalStateException("warm-up call to " + agent + " failed: " + warm);
            }
            long t0 = System.nanoTime();
            victim.kill();
            String outcome = ChaosRun.call(http, via, agent, "after-kill", Duration.ofSeconds(60), n -> { });
            ms[r] = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("failover %d: killed %s, %s answered via %s after %d ms (%s); load %.1f%n", r, victim.nodeId(), agent,
                    via.nodeId(), ms[r], outcome == null ? "ok" : outcome, ChaosRun.load());
            victim.start();
            victim.awaitReady(http, Duration.ofSeconds(120));
            ChaosRun.awaitSettled(http, nodes, PARTITIONS);
        }
        Arrays.sort(ms);
        System.out.printf("failover over %d kills: median %d ms, max %d ms (lease %d ms)%n", rounds, ms[rounds / 2], ms[rounds - 1],
                LEASE.toMillis());
    }

    /** An agent id (of the tick-log type) in a partition that {@code node} holds now. */
    private static String ownedBy(String jdbcUrl, String node, String prefix) throws Exception {
        Set<Integer> parts = new HashSet<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT part FROM era_partition WHERE node = ? AND expires > now()")) {
            ps.setString(1, node);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.add(rs.getInt(1));
                }
            }
        }
        for (int i = 0; ; i++) {
            if (parts.contains(Hashing.partition(AgentRef.of(TickLogAgent.TYPE, prefix + i), PARTITIONS))) {
                return prefix + i;
            }
        }
    }
}
