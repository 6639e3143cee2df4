package dev.era.bench.wasm;

import dev.era.api.AppStatus;
import dev.era.api.Workload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compute throughput of the same WASI modules on ERA's wasm engine (Chicory, compiled to JVM
 * bytecode) and on Node's V8 ({@code node:wasi}), side by side in one run. Each side compiles the
 * module once, then per run instantiates it and calls {@code _start}; each run is timed from the
 * start request to the exit. Both sides must agree on every exit code.
 *
 * <p>{@code java -cp 'era-bench/target/era-bench-0.1.0-SNAPSHOT.jar:era-bench/target/lib/*'
 * dev.era.bench.wasm.WasmVsNode [warmup runs] [measured runs]}
 */
public final class WasmVsNode {
    /** Runs per side per turn. */
    private static final int TURN = 5;
    private static int nodeProcesses;
    private static int nodeCrashes;

    private WasmVsNode() {
    }

    private record Sample(String runtime, List<Integer> exitCodes, double[] ms) {
        double percentile(double p) {
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
        }
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Path dir = Files.createTempDirectory("era-wasm-vs-node");
        EraWasm era = new EraWasm(dir);
        Path script = dir.resolve("node-wasi.mjs");
        try (InputStream in = WasmVsNode.class.getResourceAsStream("node-wasi.mjs")) {
            Files.copy(in, script);
        }

        System.out.printf(Locale.ROOT, "machine: %d cpus, %s %s, Java %s (%s)%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
                System.getProperty("java.vm.name"));
        System.out.printf(Locale.ROOT, "JVM flags: %s%n", String.join(" ",
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
        System.out.printf(Locale.ROOT, "%d warm-up runs, %d measured runs per side; load average at start: %s%n%n", warmup, runs,
                loadAverage());
        System.out.printf(Locale.ROOT, "%-34s %-30s %10s %10s %10s%n", "module", "runtime", "median ms", "p99 ms", "ERA/V8");

        Path compute = era.module("compute");
        compare("compute.wat (sieve + fib)", era, script, compute, warmup, runs, List.of("compute"));

        Path wat2wasm = era.wabt("wat2wasm");
        Path big = Files.createDirectories(dir.resolve("input"));
        Files.writeString(big.resolve("big.wat"), bigWat(4000));
        compare("wat2wasm on a " + (Files.size(big.resolve("big.wat")) >> 10) + " KiB .wat", era, script, wat2wasm, warmup, runs,
                List.of("wat2wasm", "/w/big.wat", "-o", "/w/big.wasm"), big);
        System.out.printf(Locale.ROOT, "%nload average at the end: %s%n", loadAverage());
    }

    /** The machine is shared: its load says how much to trust the numbers. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void compare(String what, EraWasm era, Path script, Path module, int warmup, int runs, List<String> argv)
            throws Exception {
        compare(what, era, script, module, warmup, runs, argv, null);
    }

    private static void compare(String what, EraWasm era, Path script, Path module, int warmup, int runs, List<String> argv,
                                Path files) throws Exception {
        Workload w = era.install(EraWasm.spec("bench-" + module.getFileName().toString().replace(".wasm", ""), module,
                argv.toArray(String[]::new)));
        Path volume = w.volumesDir().resolve("w");
        Files.createDirectories(volume);
        if (files != null) {
            try (var list = Files.list(files)) {
                for (Path f : list.toList()) {
                    Files.copy(f, volume.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        for (int i = 0; i < warmup; i++) {
            era.run(w);
        }
        // the machine is shared, so its load drifts: the two sides take turns, a few runs at a time
        List<Integer> eraCodes = new ArrayList<>();
        List<Double> eraMs = new ArrayList<>();
        List<Integer> nodeCodes = new ArrayList<>();
        List<Double> nodeMs = new ArrayList<>();
        String v8 = "";
        for (int done = 0; done < runs; done += TURN) {
            int n = Math.min(TURN, runs - done);
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                AppStatus.Exited exit = era.run(w);
                eraMs.add((System.nanoTime() - t0) / 1e6);
                eraCodes.add(exit.exitCode());
            }
            Sample node = node(script, module, volume, Math.max(3, warmup / 2), n, argv);
            v8 = node.runtime();
            nodeCodes.addAll(node.exitCodes());
            Arrays.stream(node.ms()).forEach(nodeMs::add);
        }
        Sample eraSample = new Sample("ERA", eraCodes, eraMs.stream().mapToDouble(Double::doubleValue).toArray());
        Sample nodeSample = new Sample(v8, nodeCodes, nodeMs.stream().mapToDouble(Double::doubleValue).toArray());
        if (!eraSample.exitCodes().equals(nodeSample.exitCodes())) {
            throw new IllegalStateException(what + ": ERA exited " + eraSample.exitCodes() + " but Node " + nodeSample.exitCodes());
        }
        double ratio = eraSample.percentile(0.5) / nodeSample.percentile(0.5);
        if (nodeCrashes > 0) {
            System.out.printf(Locale.ROOT, "(%s: %d Node processes crashed with SIGSEGV and were run again, %d finished)%n",
                    what, nodeCrashes, nodeProcesses);
            nodeCrashes = 0;
        }
        nodeProcesses = 0;
        for (Sample s : List.of(eraSample, nodeSample)) {
            System.out.printf(Locale.ROOT, "%-34s %-30s %10.2f %10.2f %10s%n", what, s.runtime(), s.percentile(0.5),
                    s.percentile(0.99), s == eraSample ? String.format(Locale.ROOT, "%.2fx", ratio) : "");
        }
    }

    /**
     * Node 20 (V8 11.3) dies with SIGSEGV now and then when one process runs wat2wasm a few times
     * (about half of the processes of 8 runs, whatever the tiering flags); such a turn is run again
     * in a new process and counted.
     */
    private static Sample node(Path script, Path module, Path dir, int warmup, int runs, List<String> argv) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", "--no-warnings", script.toString(), module.toString(),
                dir.toString(), dir.resolve("node.log").toString(), Integer.toString(warmup), Integer.toString(runs)));
        command.addAll(argv);
        for (int attempt = 1; ; attempt++) {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("node did not finish in 10 minutes: " + out);
            }
            if (p.exitValue() != 0) {
                nodeCrashes++;
                if (attempt < 10) {
                    continue;
                }
                throw new IllegalStateException("node failed " + attempt + " times, last with exit " + p.exitValue() + ": " + out);
            }
            nodeProcesses++;
            Matcher version = Pattern.compile("\"node\":\"([^\"]+)\",\"v8\":\"([^\"]+)\"").matcher(out);
            Matcher codes = Pattern.compile("\"exitCodes\":\\[([^]]*)]").matcher(out);
            Matcher ms = Pattern.compile("\"ms\":\\[([^]]*)]").matcher(out);
            if (!version.find() || !codes.find() || !ms.find()) {
                throw new IllegalStateException("node printed no result: " + out);
            }
            return new Sample("V8 " + version.group(2).replaceAll("-.*", "") + " (Node " + version.group(1) + ")",
                    Arrays.stream(codes.group(1).split(",")).map(String::strip).map(Integer::valueOf).toList(),
                    Arrays.stream(ms.group(1).split(",")).mapToDouble(Double::parseDouble).toArray());
        }
    }

    /** A module of {@code functions} small functions, as a large compiler output would be. */
    static String bigWat(int functions) {
        StringBuilder wat = new StringBuilder("(module\n  (memory (export \"memory\") 1)\n");
        for (int i = 0; i < functions; i++) {
            wat.append("  (func $f").append(i).append(" (export \"f").append(i).append("\") (param $x i32) (result i32)\n")
                    .append("    (local $y i32)\n")
                    .append("    (local.set $y (i32.mul (local.get $x) (i32.const ").append(i + 1).append(")))\n")
                    .append("    (if (i32.gt_s (local.get $y) (i32.const 1000))\n")
                    .append("      (then (local.set $y (i32.sub (local.get $y) (i32.load (i32.const ").append(i % 4096 * 4)
                    .append(")))))\n")
                    .append("      (else (local.set $y (i32.add (local.get $y) (i32.const 7)))))\n")
                    .append("    (i32.store (i32.const ").append(i % 4096 * 4).append(") (local.get $y))\n")
                    .append("    (local.get $y))\n");
        }
        return wat.append(")\n").toString();
    }
}
