package dev.era.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Exec round trip of {@code true} in a sandbox against a real daemon ({@code ./era serve} on a fresh
 * data directory, TCP on loopback with its first-start admin key):
 * <ol>
 *   <li>{@code POST /sandboxes/{id}/exec} with {@code ["true"]} (argv) and with {@code "true"} (a
 *       string, run as {@code bash -lc true}), over one HTTP/1.1 keep-alive connection ({@link KeepAliveHttp});</li>
 *   <li>RunLoop's TypeScript SDK ({@code @runloop/api-client}, unchanged) through node:
 *       {@code era-compat/src/test/node/bench.mjs}, when node and its {@code node_modules} are there.</li>
 * </ol>
 * With {@code --agent off} the daemon runs with {@code ERA_EXEC_AGENT=off}: every exec takes the old
 * applier path, for a side-by-side run under the same load.
 *
 * <p>Usage: {@code java -cp 'era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*'
 * dev.era.bench.ExecRttBench [--era ./era] [--execs 500] [--warmup 100] [--sdk 500] [--agent on|off]}.
 */
public final class ExecRttBench {
    private static final Pattern READY = Pattern.compile("ERA ready: socket .*, tcp [^,]*:(\\d+), data ");
    private static final Pattern KEY = Pattern.compile("era_[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;
    private final String key;

    private ExecRttBench(String base, String key) {
        this.base = base;
        this.key = key;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        Path era = Path.of(opts.getOrDefault("era", "./era")).toAbsolutePath().normalize();
        int execs = Integer.parseInt(opts.getOrDefault("execs", "500"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "100"));
        int sdk = Integer.parseInt(opts.getOrDefault("sdk", "500"));
        String agent = opts.getOrDefault("agent", "on");
        Path node = era.getParent().resolve("era-compat/src/test/node");
        Path data = Files.createTempDirectory("era-exec-bench");
        ProcessBuilder pb = new ProcessBuilder(era.toString(), "serve", "--data-dir", data.toString(), "--listen", "127.0.0.1:0");
        pb.environment().put("ERA_NO_BUILD", "1");
        if (agent.equals("off")) {
            pb.environment().put("ERA_EXEC_AGENT", "off");
        }
        Process daemon = pb.start();
        List<Row> rows = new ArrayList<>();
        try {
            CompletableFuture<Integer> port = new CompletableFuture<>();
            CompletableFuture<String> key = new CompletableFuture<>();
            Consumer<String> watch = line -> {
                Matcher ready = READY.matcher(line);
                if (ready.find()) {
                    port.complete(Integer.parseInt(ready.group(1)));
                }
                Matcher k = KEY.matcher(line);
                if (k.find()) {
                    key.complete(k.group());
                }
            };
            pump(daemon.getInputStream(), watch);
            pump(daemon.getErrorStream(), watch);
            String url = "http://127.0.0.1:" + port.get(120, TimeUnit.SECONDS);
            ExecRttBench bench = new ExecRttBench(url, key.get(10, TimeUnit.SECONDS));
            String id = bench.createSandbox();
            String label = " (agent " + agent + ")";
            rows.add(bench.measure("ERA `POST /sandboxes/{id}/exec` `[\"true\"]`" + label, id, "[\"true\"]", execs, warmup));
            rows.add(bench.measure("ERA `POST /sandboxes/{id}/exec` `\"true\"` (bash -lc)" + label, id, "\"true\"", execs, warmup));
            bench.delete(id);
            if (sdk > 0) {
                rows.addAll(sdk(node, url, key.get(), sdk, warmup, label));
            }
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor();
            }
            Leftovers.remove(data); // the warm pool's sandboxes outlive the daemon by design
            deleteTree(data);
        }
        System.out.println();
        System.out.println("| call path | n | p50 | p90 | p99 | max | load before / after |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(r -> System.out.println(r.markdown()));
    }

    private String createSandbox() throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/sandboxes"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"exec-bench\"}")));
        if (r.statusCode() != 201) {
            throw new IllegalStateException("POST /sandboxes answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body()).get("id").asText();
    }

    private void delete(String id) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(base + "/sandboxes/" + id)).DELETE());
    }

    /** Over one keep-alive connection of {@link KeepAliveHttp}, so that only the server's time is measured. */
    private Row measure(String name, String id, String command, int n, int warmup) throws IOException {
        URI uri = URI.create(base);
        String path = "/sandboxes/" + id + "/exec";
        String body = "{\"command\":" + command + "}";
        try (KeepAliveHttp http = new KeepAliveHttp(uri.getHost(), uri.getPort())) {
            for (int i = 0; i < warmup; i++) {
                exec(http, path, body);
            }
            String load = loadAverage();
            List<Double> ms = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                exec(http, path, body);
                ms.add((System.nanoTime() - t0) / 1e6);
            }
            return Row.of(name, ms, load + " / " + loadAverage());
        }
    }

    private void exec(KeepAliveHttp http, String path, String body) throws IOException {
        KeepAliveHttp.Response r = http.post(path, key, body);
        if (r.status() != 200 || JSON.readTree(r.body()).path("exitCode").asInt(-1) != 0) {
            throw new IllegalStateException("exec answered " + r.status() + ": " + r.body());
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** RunLoop's SDK through node (bench.mjs prints one line per call path). */
    private static List<Row> sdk(Path node, String url, String key, int n, int warmup, String label)
            throws IOException, InterruptedException {
        if (!Files.isDirectory(node.resolve("node_modules/@runloop/api-client"))) {
            System.err.println("skipping the SDK: run `npm ci` in " + node + " first");
            return List.of();
        }
        ProcessBuilder pb = new ProcessBuilder("node", "bench.mjs", Integer.toString(n), Integer.toString(warmup))
                .directory(node.toFile()).redirectErrorStream(true);
        pb.environment().put("RUNLOOP_BASE_URL", url);
        pb.environment().put("RUNLOOP_API_KEY", key);
        String load = loadAverage();
        Process p = pb.start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("node bench.mjs failed:\n" + String.join("\n", lines));
        }
        String loads = load + " / " + loadAverage();
        Pattern line = Pattern.compile("^(.*?)\\s+n=(\\d+) p50=([\\d.]+) p90=([\\d.]+) p99=([\\d.]+) max=([\\d.]+)");
        List<Row> rows = new ArrayList<>();
        for (String l : lines) {
            Matcher m = line.matcher(l);
            if (m.find()) {
                rows.add(new Row("SDK " + m.group(1).strip() + label, Integer.parseInt(m.group(2)), Double.parseDouble(m.group(3)),
                        Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)), Double.parseDouble(m.group(6)), loads));
            }
        }
        return rows;
    }

    record Row(String name, int n, double p50, double p90, double p99, double max, String load) {
        static Row of(String name, List<Double> ms, String load) {
            List<Double> s = ms.stream().sorted().toList();
            return new Row(name, s.size(), E2eBench.Result.percentile(s, 50), E2eBench.Result.percentile(s, 90),
                    E2eBench.Result.percentile(s, 99), s.getLast(), load);
        }

        String markdown() {
            return "| %s | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %s |".formatted(name, n, p50, p90, p99, max, load);
        }
    }

    private static void pump(InputStream in, Consumer<String> onLine) {
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    onLine.accept(l);
                }
            } catch (IOException e) {
                // the daemon ended
            }
        });
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs, got " + String.join(" ", args));
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
