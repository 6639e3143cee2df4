package dev.era.agents.cluster;

import dev.era.store.postgres.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The chaos run of issue 9: three node processes over one real PostgreSQL, client threads sending
 * ticks to 1,000 agents through random nodes, while a chaos thread kills a node (-9) and restarts
 * it, or freezes one (SIGSTOP) past its lease and thaws it, in turn. Every committed tick is recorded
 * by the agent itself in the same commit; the checker then reads the records from the database.
 * <p>
 * {@code java -cp <test class path> dev.era.agents.cluster.ChaosRun 100000} runs it by hand.
 */
final class ChaosRun {
    static final int NODES = 3;
    static final int AGENTS = 1_000;
    static final int PARTITIONS = 64;
    static final Duration LEASE = Duration.ofSeconds(2);
    static final int CLIENTS = 64;
    /** Normal service between two chaos actions. */
    static final Duration CALM = Duration.ofSeconds(Long.getLong("era.chaos.calm", 4));
    /** At least this many chaos actions happen, however quickly the ticks are done. */
    static final int MIN_ACTIONS = 4;

    record Report(TickChecker.Result check, long acked, Map<String, Long> failures, int kills, int freezes, long millis,
                  List<String> unreachable, double loadBefore, double loadAfter) {
        @Override
        public String toString() {
            return String.format("%d acknowledged ticks in %.1f s (%.0f/s) through %d kill -9 + restart and %d SIGSTOP > lease"
                    + " + SIGCONT; failed calls %s; unreachable after the chaos %d; load %.1f -> %.1f; check: %s",
                    acked, millis / 1000.0, acked * 1000.0 / millis, kills, freezes, failures, unreachable.size(), loadBefore,
                    loadAfter, check);
        }
    }

    private ChaosRun() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(Integer.parseInt(args[0]), Files.createTempDirectory("era-chaos-")));
    }

    static Report run(int ticks, Path logDir) throws Exception {
        double loadBefore = load();
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            String jdbcUrl = pg.jdbcUrl(pg.createDatabase());
            List<NodeProcess> nodes = new ArrayList<>();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            try {
                for (int i = 1; i <= NODES; i++) {
                    NodeProcess n = new NodeProcess(jdbcUrl, "n" + i, freePort(), LEASE, PARTITIONS, logDir);
                    nodes.add(n);
                    n.start();
                }
                for (NodeProcess n : nodes) {
                    n.awaitReady(http, Duration.ofSeconds(120));
                }
                awaitSettled(http, nodes, PARTITIONS);
                long t0 = System.nanoTime();
                ConcurrentLinkedQueue<TickChecker.Ack> acks = new ConcurrentLinkedQueue<>();
                Map<String, LongAdder> failures = new ConcurrentHashMap<>();
                AtomicLong acked = new AtomicLong();
                AtomicInteger actions = new AtomicInteger();
                AtomicBoolean stop = new AtomicBoolean();
                int[] kf = new int[2];
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
                List<Future<?>> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.add(pool.submit(() -> {
                        long seq = 0;
                        while (!stop.get() && (acked.get() < ticks || actions.get() < MIN_ACTIONS)) {
                            ThreadLocalRandom r = ThreadLocalRandom.current();
                            String agent = "a" + r.nextInt(AGENTS);
                            String req = "c" + client + "-" + (++seq);
                            NodeProcess via = nodes.get(r.nextInt(NODES));
                            String outcome = call(http, via, agent, req, Duration.ofSeconds(15), n -> {
                                acks.add(new TickChecker.Ack(agent, n, req));
                                acked.incrementAndGet();
                            });
                            if (outcome != null) {
                                failures.computeIfAbsent(outcome, k -> new LongAdder()).increment();
                            }
                        }
                        return null;
                    }));
                }
                Thread progress = Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        try {
                            Thread.sleep(10_000);
                        } catch (InterruptedException e) {
                            return;
                        }
                        System.out.printf("chaos progress: %d acknowledged, %d actions, failures %s, load %.1f%n", acked.get(),
                                actions.get(), failures, load());
                    }
                });
                Future<?> chaos = pool.submit(() -> {
                    int i = 0;
                    while (!stop.get() && (acked.get() < ticks || actions.get() < MIN_ACTIONS)) {
                        Thread.sleep(CALM.toMillis()); // a stretch of normal service between actions
                        NodeProcess victim = nodes.get(i % NODES);
                        if (i % 2 == 0) {
                            victim.kill();
                            kf[0]++;
                            Thread.sleep(1_000);
                            victim.start();
                            victim.awaitReady(http, Duration.ofSeconds(120));
                        } else {
                            victim.freeze();
                            kf[1]++;
                            Thread.sleep(LEASE.toMillis() + 1_000);
                            victim.thaw();
                        }
                        actions.incrementAndGet();
                        i++;
                    }
                    return null;
                });
                for (Future<?> f : clients) {
                    f.get();
                }
                stop.set(true);
                chaos.get();
                progress.interrupt();
                long millis = (System.nanoTime() - t0) / 1_000_000;
                // Everyone back: the frozen thawed (done by chaos), the dead restarted, then one stable view.
                for (NodeProcess n : nodes) {
                    if (!n.alive()) {
                        n.start();
                    }
                }
                for (NodeProcess n : nodes) {
                    n.awaitReady(http, Duration.ofSeconds(120));
                }
                awaitSettled(http, nodes, PARTITIONS);
                List<String> unreachable = reachability(http, nodes, pool);
                pool.shutdown();
                Map<String, Long> failed = new HashMap<>();
                failures.forEach((k, v) -> failed.put(k, v.sum()));
                TickChecker.Result check = check(jdbcUrl, new ArrayList<>(acks));
                return new Report(check, acked.get(), failed, kf[0], kf[1], millis, unreachable, loadBefore, load());
            } finally {
                for (NodeProcess n : nodes) {
                    n.close();
                }
                http.close();
            }
        }
    }

    /** One tick through {@code via}; null when acknowledged, else what went wrong. */
    static String call(HttpClient http, NodeProcess via, String agent, String req, Duration timeout,
                               java.util.function.LongConsumer onAck) {
        try {
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://" + via.address() + Wire.PREFIX
                            + TickLogAgent.TYPE + "/" + agent + "/message")).timeout(timeout)
                    .POST(HttpRequest.BodyPublishers.ofString(req)).build(), HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() == 200) {
                onAck.accept(Long.parseLong(resp.body()));
                return null;
            }
            return resp.headers().firstValue(Wire.ERROR).orElse("http-" + resp.statusCode());
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Every agent through every node, after the chaos: each call must be acknowledged. */
    private static List<String> reachability(HttpClient http, List<NodeProcess> nodes, ExecutorService pool) throws Exception {
        List<String> unreachable = new ConcurrentLinkedQueue<String>().stream().toList();
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        List<Future<?>> fs = new ArrayList<>();
        for (NodeProcess n : nodes) {
            for (int c = 0; c < 8; c++) {
                int slice = c;
                fs.add(pool.submit(() -> {
                    for (int a = slice; a < AGENTS; a += 8) {
                        String agent = "a" + a;
                        String outcome = call(http, n, agent, "reach-" + n.nodeId(), Duration.ofSeconds(30), x -> { });
                        if (outcome != null) {
                            bad.add(agent + " via " + n.nodeId() + ": " + outcome);
                        }
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : fs) {
            f.get();
        }
        return bad.isEmpty() ? unreachable : List.copyOf(bad);
    }

    /** Waits until every node sees all members and the partitions are all owned. */
    static void awaitSettled(HttpClient http, List<NodeProcess> nodes, int partitions) throws Exception {
        Await.until("the cluster to settle", Duration.ofSeconds(120), () -> {
            int owned = 0;
            for (NodeProcess n : nodes) {
                String d = describe(http, n);
                if (d == null || d.lines().filter(l -> l.startsWith("members ")).findFirst().orElse("").split("=").length != nodes.size() + 1) {
                    return false;
                }
                owned += Integer.parseInt(d.lines().filter(l -> l.startsWith("owned-partitions ")).findFirst().orElseThrow().substring(17));
            }
            return owned == partitions;
        }, () -> nodes.stream().map(n -> String.valueOf(describe(http, n))).toList().toString());
    }

    private static String describe(HttpClient http, NodeProcess n) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + n.address() + "/era/v1/node")).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static TickChecker.Result check(String jdbcUrl, List<TickChecker.Ack> acks) throws Exception {
        Map<String, Long> states = new HashMap<>();
        List<TickChecker.Tick> ticks = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT id, state FROM era_agent WHERE type = '" + TickLogAgent.TYPE + "'")) {
                while (rs.next()) {
                    states.put(rs.getString(1), Long.parseLong(new String(rs.getBytes(2), StandardCharsets.UTF_8)));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT id, key, value FROM era_agent_kv WHERE type = '" + TickLogAgent.TYPE + "'")) {
                while (rs.next()) {
                    ticks.add(TickChecker.Tick.parse(rs.getString(1), rs.getString(2), new String(rs.getBytes(3), StandardCharsets.UTF_8)));
                }
            }
        }
        return TickChecker.check(states, ticks, acks);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static double load() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
