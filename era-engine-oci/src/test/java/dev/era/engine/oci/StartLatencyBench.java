package dev.era.engine.oci;

import dev.era.api.DeploymentId;
import dev.era.api.Workload;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Not a test (surefire skips it): container start from a cached image to its first output line in
 * the log, and a pull+unpack of the test image into an empty store. Run by hand, see BENCHMARKS.md at the repository root.
 */
final class StartLatencyBench {
    private StartLatencyBench() {
    }

    static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path dir = Files.createTempDirectory("oci-bench");
        try (TestRegistry registry = TestRegistry.start(Files.createDirectories(dir.resolve("registry")))) {
            String image = TestImages.pushTwoLayers(registry, dir, "busybox:1", List.of("sh"));
            List<Long> pulls = new ArrayList<>();
            List<Long> skopeoUmoci = new ArrayList<>();
            for (int i = 0; i < 7; i++) { // interleaved, so that both see the same load
                long t0 = System.nanoTime();
                new ImageStore(dir.resolve("pull-" + i), new RegistryClient(Map.of())).pull(ImageRef.parse(image));
                pulls.add(System.nanoTime() - t0);
                t0 = System.nanoTime();
                Path layout = dir.resolve("oci-" + i);
                run("skopeo", "copy", "--quiet", "--src-tls-verify=false", "docker://" + image, "oci:" + layout + ":1");
                run("umoci", "unpack", "--image", layout + ":1", dir.resolve("bundle-" + i).toString());
                skopeoUmoci.add(System.nanoTime() - t0);
            }
            OciEngine engine = OciEngineConformanceTest.engine(dir);
            List<Long> starts = new ArrayList<>();
            for (int i = 0; i < runs + 3; i++) {
                Path root = dir.resolve("w" + i);
                Workload w = new Workload(DeploymentId.random(), 1, TestSpec.builder("oci").artifact(image)
                        .command("echo", "ready").build(), root.resolve("install"), root.resolve("volumes"), root.resolve("run"),
                        root.resolve("logs/app.log"));
                engine.fetch(w);
                engine.install(w);
                ExitRecorder onExit = new ExitRecorder();
                long t0 = System.nanoTime();
                engine.start(w, onExit);
                while (!Files.exists(w.logFile()) || Files.size(w.logFile()) == 0) {
                    Thread.onSpinWait();
                }
                long took = System.nanoTime() - t0;
                onExit.await(Duration.ofSeconds(10));
                engine.delete(w);
                if (i >= 3) { // warm-up
                    starts.add(took);
                }
            }
            IO.println("start to first output (ms): " + summary(starts));
            IO.println("pull+unpack into an empty store, ERA (ms): " + summary(pulls));
            IO.println("skopeo copy + umoci unpack, same image (ms): " + summary(skopeoUmoci));
        } finally {
            Trees.delete(dir);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static String summary(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return "n=" + sorted.size() + " min=" + ms(sorted.getFirst()) + " p50=" + ms(sorted.get(sorted.size() / 2))
                + " p99=" + ms(sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)))
                + " max=" + ms(sorted.getLast());
    }

    private static String ms(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }
}
