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
 * Two daemons run side by side, one with the exec agent and one with {@code ERA_EXEC_AGENT=off} (every
 * exec takes the old applier path), and are measured in turns, so that the shared host's load falls on
 * both alike.
 *
 * <p>Usage: {@code java -cp 'era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*'
 * dev.era.bench.ExecRttBench [--era ./era] [--execs 500] [--warmup 100] [--sdk 300]} ({@code --sdk 0}
 * skips node; the SDK runs in two turns per daemon of half the calls each).
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
        int sdk = Integer.parseInt(opts.getOrDefault("sdk", "300"));
        Path node = era.getParent().resolve("era-compat/src/test/node");
        List<Side> sides = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        try {
            sides.add(Side.launch(era, "on"));
            sides.add(Side.launch(era, "off"));
            rows.addAll(interleaved(sides, "ERA `POST /sandboxes/{id}/exec` `[\"true\"]`", "[\"true\"]", execs, warmup));
            rows.addAll(interleaved(sides, "ERA `POST /sandboxes/{id}/exec` `\"true\"` (bash -lc)", "\"true\"", execs, warmup));
            for (int turn = 1; sdk > 0 && turn <= 2; turn++) {
                for (Side side : sides) {
                    rows.addAll(sdk(node, side.bench.base, side.bench.key, sdk / 2, warmup / 2,
                            " (agent " + side.agent + ", turn " + turn + ")"));
                }
            }
        } finally {
            for (Side side : sides) {
                side.stop();
            }
        }
        System.out.println();
        System.out.println("| call path | n | p50 | p90 | p99 | max | load before / after |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(r -> System.out.println(r.markdown()));
    }

    /** A daemon with the exec agent on or off, and a sandbox in it. */
    private record Side(String agent, Path data, Process daemon, ExecRttBench bench, String sandbox) {
        static Side launch(Path era, String agent) throws Exception {
            Path data = Files.createTempDirectory("era-exec-bench");
            ProcessBuilder pb = new ProcessBuilder(era.toString(), "serve", "--data-dir", data.toString(), "--listen",
                    "127.0.0.1:0");
            pb.environment().put("ERA_NO_BUILD", "1");
            pb.environment().put("ERA_EXEC_AGENT", agent);
            Process daemon = pb.start();
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
            try {
                ExecRttBench bench = new ExecRttBench("http://127.0.0.1:" + port.get(120, TimeUnit.SECONDS),
                        key.get(10, TimeUnit.SECONDS));
                return new Side(agent, data, daemon, bench, bench.createSandbox());
            } catch (Exception e) {
                new Side(agent, data, daemon, null, "").stop();
                throw e;
            }
        }

        String path() {
            return "/sandboxes/" + sandbox + "/exec";
        }

        void stop() throws IOException, InterruptedException {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor();
            }
            Leftovers.remove(data); // sandboxes outlive their daemon by design; these are the benchmark's
            deleteTree(data);
        }
    }

    /**
     * Both daemons in turns of 50 calls, one keep-alive connection each ({@link KeepAliveHttp}), so that
     * the load of the shared host falls on both alike; only the server's time is measured.
     */
    private static List<Row> interleaved(List<Side> sides, String name, String command, int n, int warmup)
            throws IOException {
        String body = "{\"command\":" + command + "}";
        List<KeepAliveHttp> connections = new ArrayList<>();
        List<List<Double>> samples = new ArrayList<>();
        try {
            for (Side side : sides) {
                URI uri = URI.create(side.bench.base);
                KeepAliveHttp http = new KeepAliveHttp(uri.getHost(), uri.getPort());
                connections.add(http);
                samples.add(new ArrayList<>(n));
                for (int i = 0; i < warmup; i++) {
                    side.bench.exec(http, side.path(), body);
                }
            }
            String load = loadAverage();
            for (int done = 0; done < n; done += 50) {
                for (int s = 0; s < sides.size(); s++) {
                    for (int i = done; i < Math.min(n, done + 50); i++) {
                        long t0 = System.nanoTime();
                        sides.get(s).bench.exec(connections.get(s), sides.get(s).path(), body);
                        samples.get(s).add((System.nanoTime() - t0) / 1e6);
                    }
                }
            }
            String loads = load + " / " + loadAverage();
            List<Row> rows = new ArrayList<>();
            for (int s = 0; s < sides.size(); s++) {
                rows.add(Row.of(name + " (agent " + sides.get(s).agent + ")", samples.get(s), loads));
            }
            return rows;
        } finally {
            for (KeepAliveHttp c : connections) {
                c.close();
            }
        }
    }

    private String createSandbox() throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/sandboxes"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"exec-bench\"}")));
        if (r.statusCode() != 201) {
            throw new IllegalStateException("POST /sandboxes answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body()).get("id").asText();
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
