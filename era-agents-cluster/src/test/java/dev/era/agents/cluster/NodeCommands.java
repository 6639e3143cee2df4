package dev.era.agents.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measurements a node process runs on command (a line on its standard input), printing one line:
 * <ul>
 * <li>{@code load <millis> <inflight>}: durable ticks ({@code inc} on {@link CounterAgent}s this node
 *     owns, each committed before its reply) with {@code inflight} outstanding, in process →
 *     {@code LOAD <node> <ticks> <p50 µs> <p99 µs> <millis>}</li>
 * <li>{@code latency <count>}: one call at a time, {@code get} (no commit) to agents this node owns
 *     and to agents a peer owns (forwarded over HTTP) → {@code LATENCY <node> <local p50> <local p99>
 *     <forwarded p50> <forwarded p99>} in µs</li>
 * </ul>
 */
final class NodeCommands {
    private final ClusterNode node;

    NodeCommands(ClusterNode node) {
        this.node = node;
    }

    String run(String line) {
        String[] a = line.trim().split("\\s+");
        return switch (a[0]) {
            case "load" -> load(Long.parseLong(a[1]), Integer.parseInt(a[2]));
            case "latency" -> latency(Integer.parseInt(a[1]));
            default -> "ERROR unknown command " + line;
        };
    }

    private List<String> agents(boolean owned, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; out.size() < count; i++) {
            String id = node.nodeId() + "-k" + i;
            if (node.owns(CounterAgent.TYPE, id) == owned) {
                out.add(id);
            }
        }
        return out;
    }

    private String load(long millis, int inflight) {
        List<String> agents = agents(true, 10_000);
        long[] samples = new long[1 << 20]; // latencies of the first million ticks
        java.util.concurrent.atomic.AtomicInteger pos = new java.util.concurrent.atomic.AtomicInteger();
        AtomicLong done = new AtomicLong();
        long t0 = System.nanoTime();
        long end = t0 + millis * 1_000_000;
        List<CompletableFuture<Void>> chains = new ArrayList<>();
        for (int c = 0; c < inflight; c++) {
            CompletableFuture<Void> finished = new CompletableFuture<>();
            chains.add(finished);
            long[] k = {c * 7919L};
            Runnable[] next = new Runnable[1];
            next[0] = () -> {
                if (System.nanoTime() > end) {
                    finished.complete(null);
                    return;
                }
                String id = agents.get((int) ((k[0] += 31) % agents.size()));
                long s = System.nanoTime();
                node.send(CounterAgent.TYPE, id, "inc").whenComplete((r, e) -> {
                    if (e == null) {
                        int i = pos.getAndIncrement();
                        if (i < samples.length) {
                            samples[i] = System.nanoTime() - s;
                        }
                        done.incrementAndGet();
                    }
                    Thread.ofVirtual().start(next[0]);
                });
            };
            Thread.ofVirtual().start(next[0]);
        }
        CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new)).join();
        long took = (System.nanoTime() - t0) / 1_000_000;
        long[] sorted = Arrays.copyOf(samples, Math.min(pos.get(), samples.length));
        Arrays.sort(sorted);
        return "LOAD " + node.nodeId() + " " + done.get() + " " + pct(sorted, 0.5) + " " + pct(sorted, 0.99) + " " + took;
    }

    private String latency(int count) {
        List<String> local = agents(true, 50);
        List<String> remote = agents(false, 50);
        for (String id : local) {
            node.send(CounterAgent.TYPE, id, "get").join(); // warm: loaded, connections open
        }
        for (String id : remote) {
            node.send(CounterAgent.TYPE, id, "get").join();
        }
        long[] l = new long[count];
        long[] f = new long[count];
        for (int i = 0; i < count; i++) {
            long s = System.nanoTime();
            node.send(CounterAgent.TYPE, local.get(i % local.size()), "get").join();
            l[i] = System.nanoTime() - s;
            s = System.nanoTime();
            node.send(CounterAgent.TYPE, remote.get(i % remote.size()), "get").join();
            f[i] = System.nanoTime() - s;
        }
        Arrays.sort(l);
        Arrays.sort(f);
        return "LATENCY " + node.nodeId() + " " + pct(l, 0.5) + " " + pct(l, 0.99) + " " + pct(f, 0.5) + " " + pct(f, 0.99);
    }

    private static long pct(long[] sorted, double q) {
        return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))] / 1_000;
    }
}
