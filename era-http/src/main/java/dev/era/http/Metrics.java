package dev.era.http;

import dev.era.core.Deployment;
import dev.era.core.LifecycleState;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request counters and the Prometheus text exposition (format 0.0.4), written by hand: a metrics
 * library would cost start-up time for the handful of series the daemon has.
 */
final class Metrics {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    private record RequestKey(String route, String method, int status) {}

    private record Timing(LongAdder count, LongAdder nanos) {}

    private final Map<RequestKey, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Timing> timings = new ConcurrentHashMap<>();
    private final long startedNanos = System.nanoTime();

    /** @param route the route template, or a fixed label for paths that matched none */
    void record(String route, String method, int status, long nanos) {
        String m = METHODS.contains(method) ? method : "OTHER";
        requests.computeIfAbsent(new RequestKey(route, m, status), k -> new LongAdder()).increment();
        Timing t = timings.computeIfAbsent(route, k -> new Timing(new LongAdder(), new LongAdder()));
        t.count().increment();
        t.nanos().add(nanos);
    }

    String render(List<Deployment> deployments) {
        StringBuilder out = new StringBuilder(4096);
        Map<LifecycleState, Integer> byState = new EnumMap<>(LifecycleState.class);
        for (LifecycleState s : LifecycleState.values()) {
            byState.put(s, 0);
        }
        deployments.forEach(d -> byState.merge(d.state(), 1, Integer::sum));
        header(out, "era_deployments", "gauge", "Deployments by lifecycle state.");
        byState.forEach((s, n) -> out.append("era_deployments{state=\"").append(s.name()).append("\"} ")
                .append(n).append('\n'));

        header(out, "era_http_requests_total", "counter", "HTTP requests by route template, method and status.");
        new TreeMap<String, Long>(requests.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                e -> "{route=\"" + escape(e.getKey().route()) + "\",method=\"" + e.getKey().method()
                        + "\",status=\"" + e.getKey().status() + "\"}",
                e -> e.getValue().sum())))
                .forEach((labels, n) -> out.append("era_http_requests_total").append(labels).append(' ')
                        .append(n).append('\n'));

        header(out, "era_http_request_duration_seconds", "summary", "Time to answer HTTP requests, by route template.");
        new TreeMap<>(timings).forEach((route, t) -> {
            String labels = "{route=\"" + escape(route) + "\"}";
            out.append("era_http_request_duration_seconds_count").append(labels).append(' ')
                    .append(t.count().sum()).append('\n');
            out.append("era_http_request_duration_seconds_sum").append(labels).append(' ')
                    .append(seconds(t.nanos().sum())).append('\n');
        });

        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        gauge(out, "jvm_memory_heap_used_bytes", "Used heap memory.", heap.getUsed());
        gauge(out, "jvm_memory_heap_committed_bytes", "Committed heap memory.", heap.getCommitted());
        gauge(out, "jvm_memory_heap_max_bytes", "Maximum heap memory, -1 when undefined.", heap.getMax());
        var threads = ManagementFactory.getThreadMXBean();
        gauge(out, "jvm_threads_live", "Live platform threads.", threads.getThreadCount());
        gauge(out, "jvm_threads_daemon", "Live daemon platform threads.", threads.getDaemonThreadCount());
        header(out, "era_uptime_seconds", "gauge", "Seconds since the HTTP server started.");
        out.append("era_uptime_seconds ").append(seconds(System.nanoTime() - startedNanos)).append('\n');
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        header(out, name, "gauge", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String seconds(long nanos) {
        return String.valueOf(nanos / 1e9);
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
