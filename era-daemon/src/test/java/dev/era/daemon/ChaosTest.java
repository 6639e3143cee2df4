package dev.era.daemon;

import dev.era.client.Deployment;
import dev.era.client.EraClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real daemon killed again and again at randomly chosen lifecycle phase boundaries (its own
 * fault points, {@code -Dera.faults.haltAt=N}, which halt the JVM as kill -9 would) while a driver
 * deploys, updates, rolls back, stops, starts and deletes. After every restart that recovers, each
 * deployment must be consistent: RUNNING with exactly one app process, of exactly the version the
 * daemon reports; STOPPED or gone with none; no deployment that was acknowledged lost; no app
 * process that belongs to no deployment.
 * <p>
 * {@code -Dera.chaos.kills=N} sets how many kills (default 200); {@code -Dera.chaos.seed} replays a run.
 */
class ChaosTest {
    private static final List<String> NAMES = List.of("c-a", "c-b", "c-c");
    private static final Set<String> SETTLED = Set.of("RUNNING", "STOPPED", "FAILED");

    @TempDir
    Path dir;

    private final Map<String, String> markerSpec = new HashMap<>();
    /** Markers of versions whose app exits at once (sleep refuses its argument): their updates must roll back. */
    private final Set<String> bad = new HashSet<>();
    private final Set<String> acknowledged = new HashSet<>();
    private final String run = Long.toString(System.nanoTime() % 900_000 + 100_000);
    private int specs;

    /** An app whose argv names its spec: GNU sleep adds up its arguments, so the marker changes nothing. */
    private String spec(String name) {
        return spec(name, false);
    }

    private String spec(String name, boolean broken) {
        String marker = "0.000" + run + String.format("%05d", specs++);
        markerSpec.put(marker, name);
        if (broken) {
            bad.add(marker);
        }
        return "name: " + name + "\ncommand: [sleep, '" + (broken ? "never" : "1000") + "', '" + marker + "']\n"
                + "restart: {policy: always, backoff: 100ms}\nstopTimeout: 1s\n"
                + "update: {strategy: " + (specs % 3 == 0 ? "recreate" : "blue-green")
                + ", healthyDeadline: 20s, minHealthyTime: 200ms}\n";
    }

    @Test
    void everyKillAtAPhaseBoundaryLeavesEachDeploymentExactlyOnOneVersion() throws Exception {
        int kills = Integer.getInteger("era.chaos.kills", 200);
        long seed = Long.getLong("era.chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        Path aot = dir.resolve("daemon.aot");
        Path data = dir.resolve("data");
        train(dir.resolve("training"), aot);
        int killed = 0;
        int atFaultPoints = 0;
        int checks = 0;
        Map<String, Integer> boundaries = new TreeMap<>();
        long started = System.nanoTime();
        try {
            while (killed < kills) {
                int haltAt = 1 + random.nextInt(14);
                DaemonProcess d = DaemonProcess.spawn(data, List.of("-XX:AOTCache=" + aot,
                        "-D" + "era.faults.haltAt=" + haltAt));
                if (d.alive() && settle(d)) {
                    checkConsistent(d, seed);
                    checks++;
                    drive(d, random);
                }
                if (d.alive()) {
                    d.kill9();
                } else {
                    atFaultPoints++;
                    String where = d.log().lines().filter(l -> l.contains("halting at boundary"))
                            .map(l -> l.replaceAll(".*\\(", "").replace(")", "")).findFirst().orElse("?");
                    boundaries.merge(where, 1, Integer::sum);
                }
                killed++;
            }
            DaemonProcess last = DaemonProcess.spawn(data, List.of("-XX:AOTCache=" + aot));
            assertThat(last.alive()).as(last.log()).isTrue();
            assertThat(settle(last)).as("settled after the last restart").isTrue();
            checkConsistent(last, seed);
            checks++;
            last.kill9();
        } finally {
            Procs.killEverythingUnder(data);
        }
        System.out.printf("RECORDED chaos: %d kills (%d at fault points, %d by kill -9 between operations), %d"
                        + " consistency checks, %d s, seed %d; halts by boundary %s%n", killed, atFaultPoints,
                killed - atFaultPoints, checks, (System.nanoTime() - started) / 1_000_000_000L, seed, boundaries);
        assertThat(atFaultPoints).as("kills at fault points").isGreaterThanOrEqualTo(kills / 2);
    }

    /**
     * One daemon run that records a Java AOT cache (classes loaded and linked, method profiles) of
     * a start and of what the driver does, so that each of the many restarts starts faster.
     */
    private static void train(Path data, Path aot) throws InterruptedException {
        DaemonProcess d = DaemonProcess.start(data, List.of("-XX:AOTCacheOutput=" + aot));
        EraClient client = d.unix();
        client.deploy("name: training\ncommand: [sleep, '60']\n", Duration.ofSeconds(60));
        client.update("training", "name: training\ncommand: [sleep, '61']\n", Duration.ofSeconds(60));
        client.rollback("training", 0, Duration.ofSeconds(60));
        client.stop("training", Duration.ofSeconds(60));
        client.delete("training", Duration.ofSeconds(60));
        d.terminate();
        Procs.killEverythingUnder(data);
    }

    /** Random operations, each answered at once, until the daemon halts (or a few have passed). */
    private void drive(DaemonProcess d, Random random) throws InterruptedException {
        EraClient client = d.unix();
        for (int i = 0; i < 12 && d.alive(); i++) {
            String name = NAMES.get(random.nextInt(NAMES.size()));
            try {
                Deployment current = client.list().stream().filter(x -> x.name().equals(name)).findFirst()
                        .orElse(null);
                if (current == null) {
                    client.deploy(spec(name));
                    acknowledged.add(name);
                    continue;
                }
                boolean running = current.state().equals("RUNNING");
                switch (random.nextInt(7)) {
                    case 0, 1 -> client.update(name, spec(name), Duration.ZERO);
                    // a version that dies at once, sent only to a running deployment: its update rolls back
                    case 6 -> {
                        if (running) {
                            client.update(name, spec(name, true), Duration.ZERO);
                        }
                    }
                    // the previous version may be a broken one: only a running deployment rolls back safely
                    case 2 -> {
                        if (running) {
                            client.rollback(name, 0, Duration.ZERO);
                        }
                    }
                    case 3 -> client.stop(name, Duration.ZERO);
                    case 4 -> client.start(name, Duration.ZERO);
                    default -> {
                        if (random.nextInt(3) == 0) {
                            acknowledged.remove(name);
                            client.delete(name);
                        }
                    }
                }
            } catch (RuntimeException refusedOrDead) {
                // 409 for a state that takes no such request, or the daemon halted mid-request
            }
            Thread.sleep(random.nextInt(40));
        }
    }

    /** Waits until every deployment is RUNNING, STOPPED or FAILED twice in a row; false if the daemon halted. */
    private boolean settle(DaemonProcess d) throws InterruptedException {
        EraClient client = d.unix();
        long end = System.nanoTime() + 60_000_000_000L;
        int calm = 0;
        while (System.nanoTime() < end && d.alive()) {
            try {
                List<Deployment> all = client.list();
                calm = all.stream().allMatch(x -> SETTLED.contains(x.state())) ? calm + 1 : 0;
                if (calm >= 2) {
                    return true;
                }
            } catch (RuntimeException e) {
                calm = 0;
            }
            Thread.sleep(50);
        }
        if (d.alive()) {
            throw new AssertionError("deployments did not settle within 60 s: " + d.unix().list() + "\n" + d.log());
        }
        return false;
    }

    private void checkConsistent(DaemonProcess d, long seed) {
        List<Deployment> all = d.unix().list();
        List<Procs.Proc> apps = Procs.matching(argv -> argv.size() == 3 && argv.get(0).equals("sleep")
                && argv.get(2).startsWith("0.000" + run));
        String context = "seed " + seed + "; deployments " + all.stream().map(x -> x.name() + " v" + x.version() + " "
                + x.state() + " (" + x.message() + ")").toList() + "; apps " + apps.stream().map(p -> p.argv().get(2))
                .toList();
        Set<String> present = new HashSet<>();
        List<Procs.Proc> owned = new ArrayList<>();
        for (Deployment x : all) {
            present.add(x.name());
            String marker = x.spec().path("command").get(2).asText();
            List<Procs.Proc> mine = apps.stream().filter(p -> x.name().equals(markerSpec.get(p.argv().get(2))))
                    .toList();
            owned.addAll(mine);
            assertThat(x.state()).as(x.name() + " never ends FAILED; " + context).isNotEqualTo("FAILED");
            assertThat(bad).as(x.name() + " never settles on a version that cannot run; " + context)
                    .doesNotContain(marker);
            if (x.state().equals("RUNNING")) {
                assertThat(mine).as(x.name() + " runs exactly one app; " + context).hasSize(1);
                assertThat(mine.getFirst().argv().get(2)).as(x.name() + " runs the version it reports; " + context)
                        .isEqualTo(marker);
                assertThat(x.pid()).as(x.name() + " pid").isPositive();
            } else {
                assertThat(mine).as(x.name() + " is " + x.state() + " and runs nothing; " + context).isEmpty();
            }
        }
        assertThat(present).as("acknowledged deployments are never lost; " + context).containsAll(acknowledged);
        assertThat(apps).as("no app process without a deployment; " + context).hasSameSizeAs(owned);
    }
}
