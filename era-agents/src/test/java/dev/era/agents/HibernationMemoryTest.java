package dev.era.agents;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100,000 agents touched once (a durable tick each) then left idle: once hibernated, the heap
 * is back near where it started, because a hibernated agent keeps nothing in memory.
 */
class HibernationMemoryTest {
    static final int AGENTS = 100_000;

    @TempDir
    Path dir;

    static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) { // several collections: the smallest reading is the live set
            System.gc();
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    @Test
    void oneHundredThousandHibernatedAgentsLeaveTheHeapNearItsBaseline() {
        ManualTime time = new ManualTime(Instant.parse("2025-01-01T00:00:00Z"));
        try (AgentRuntime rt = EraAgents.local(dir.resolve("agents.db")).register("script", ScriptAgent::new)
                .time(time).idleTimeout(Duration.ofMinutes(1)).maxActiveAgents(AGENTS * 2).start()) {
            for (int i = 0; i < 1_000; i++) { // warm up code paths and caches outside the measurement
                rt.send("script", "warm" + i, "inc").join();
            }
            time.advance(Duration.ofMinutes(2));
            Await.untilMovingTime("warm-up agents hibernated", time, Duration.ofSeconds(5), () -> rt.admin().stats().activations() == 0);
            long baseline = heapAfterGc();

            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (int i = 0; i < AGENTS; i++) {
                batch.add(rt.send("script", "agent-" + i, "inc"));
                if (batch.size() == 5_000) {
                    batch.forEach(CompletableFuture::join);
                    batch.clear();
                }
            }
            batch.forEach(CompletableFuture::join);
            batch.clear();
            assertThat(rt.admin().stats().loaded()).isEqualTo(AGENTS);
            long active = heapAfterGc();

            time.advance(Duration.ofMinutes(2));
            Await.untilMovingTime("all hibernated", time, Duration.ofSeconds(5), () -> rt.admin().stats().activations() == 0);
            long hibernated = heapAfterGc();

            long perActive = (active - baseline) / AGENTS;
            long perHibernated = (hibernated - baseline) / AGENTS;
            System.out.printf("heap baseline %,d B; %,d idle active agents: +%,d B (%d B each);"
                    + " hibernated: +%,d B (%d B each)%n", baseline, AGENTS, active - baseline, perActive,
                    hibernated - baseline, perHibernated);
            // Generous bounds that still fail if hibernation kept anything per agent (even 40 B each is 4 MB).
            assertThat(hibernated - baseline).as("heap growth after hibernating %,d agents", AGENTS).isLessThan(4_000_000);
            assertThat(perActive).as("bytes per idle active agent (a Long state)").isLessThan(1024);
        }
    }
}
