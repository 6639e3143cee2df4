package dev.era.agents;

import dev.era.agent.AlarmInfo;
import dev.era.agent.Json;
import dev.era.agent.KvEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 during a burst of ticks, then a restart on the same file: every acknowledged tick is
 * there entirely, no tick is there in part, and alarms that fell due while the process was down
 * fire after the restart.
 */
class KillAtomicityTest {
    static final int AGENTS = 200;

    @TempDir
    Path dir;

    @Test
    void afterKillMinus9EveryAcknowledgedTickIsWholeAndNoTickIsTorn() throws Exception {
        Path db = dir.resolve("agents.db");
        Path acks = dir.resolve("acks.txt");
        long wakeAt = System.currentTimeMillis() + 60_000; // due while "down": the restart's clock is past it
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashingAgentHost.class.getName(), db.toString(), acks.toString(), Integer.toString(AGENTS),
                Long.toString(wakeAt))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ackCount(acks) < 3_000) { // well into the burst
                assertThat(child.isAlive()).as("the child runs (see child.log)").isTrue();
                assertThat(System.nanoTime()).as("the child acknowledges ticks in time").isLessThan(deadline);
                Thread.sleep(20);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no checkpoint
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        Map<String, Set<Long>> acked = new HashMap<>();
        String text = Files.readString(acks);
        text = text.substring(0, text.lastIndexOf('\n') + 1); // a line the kill cut short is not an ack
        for (String line : text.split("\n")) {
            String[] w = line.split(" ");
            if (w.length == 3 && w[0].equals("ack")) {
                acked.computeIfAbsent(w[1], k -> new HashSet<>()).add(Long.parseLong(w[2]));
            }
        }
        ManualTime later = new ManualTime(Instant.ofEpochMilli(wakeAt).plus(Duration.ofHours(1)));
        try (AgentRuntime rt = EraAgents.local(db).register("burst", BurstAgent::new).time(later).start()) {
            long ackedTotal = 0;
            long committedTotal = 0;
            for (int i = 0; i < AGENTS; i++) {
                String id = "a" + i;
                Set<Long> kv = new HashSet<>();
                for (KvEntry e : rt.admin().kv("burst", id, "tick/", 100_000)) {
                    kv.add(Long.parseLong(e.key().substring(5)));
                }
                Set<Long> alarms = new HashSet<>();
                for (AlarmInfo a : rt.admin().alarms("burst", id)) {
                    alarms.add(Long.parseLong(a.name().substring(2)));
                }
                Json.Obj state = rt.admin().agent("burst", id).flatMap(AgentView::stateText)
                        .map(t -> (Json.Obj) Json.parse(t)).orElse(Json.object());
                long sum = kv.stream().mapToLong(Long::longValue).sum();
                assertThat(alarms).as("alarms of %s match its KV ticks", id).isEqualTo(kv);
                assertThat(state.number("count", 0)).as("state count of %s", id).isEqualTo(kv.size());
                assertThat(state.number("sum", 0)).as("state sum of %s", id).isEqualTo(sum);
                Set<Long> ackedHere = acked.getOrDefault(id, Set.of());
                assertThat(kv).as("acknowledged ticks of %s are committed", id).containsAll(ackedHere);
                ackedTotal += ackedHere.size();
                committedTotal += kv.size();
            }
            System.out.printf("acknowledged %d ticks, committed %d (the difference committed but was not yet acknowledged at the kill)%n",
                    ackedTotal, committedTotal);
            assertThat(ackedTotal).isGreaterThanOrEqualTo(3_000);

            Await.untilMovingTime("the alarms due during the downtime fired", later, Duration.ofMillis(10), () -> {
                for (int i = 0; i < 10; i++) {
                    if (rt.admin().kv("burst", "sleeper-" + i, "woke", 1).isEmpty()) {
                        return false;
                    }
                }
                return true;
            });
            for (int i = 0; i < 10; i++) {
                List<KvEntry> woke = rt.admin().kv("burst", "sleeper-" + i, "woke", 1);
                assertThat(woke.getFirst().text()).isEqualTo(Instant.ofEpochMilli(wakeAt).toString());
                assertThat(rt.admin().alarms("burst", "sleeper-" + i)).isEmpty();
            }
        }
    }

    private static long ackCount(Path acks) throws java.io.IOException {
        if (!Files.exists(acks)) {
            return 0;
        }
        try (var lines = Files.lines(acks)) {
            return lines.filter(l -> l.startsWith("ack ")).count();
        }
    }
}
