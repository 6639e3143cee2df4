package dev.era.agents;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HibernationTest {
    @TempDir
    Path dir;
    final ManualTime time = new ManualTime(Instant.parse("2025-01-01T00:00:00Z"));
    AgentRuntime rt;

    AgentRuntime start(int maxActive) {
        rt = EraAgents.local(dir.resolve("agents.db")).register("script", () -> new ScriptAgent(time)).time(time)
                .idleTimeout(Duration.ofMinutes(1)).maxActiveAgents(maxActive).start();
        return rt;
    }

    @AfterEach
    void close() {
        if (rt != null) {
            rt.close();
        }
    }

    RuntimeStats stats() {
        return rt.admin().stats();
    }

    @Test
    void anIdleAgentLeavesMemoryAfterTheTimeoutAndWakesWithItsState() {
        start(1000);
        rt.send("script", "a", "inc").join();
        time.advance(Duration.ofSeconds(30));
        assertThat(stats().loaded()).as("not idle long enough").isEqualTo(1);
        time.advance(Duration.ofSeconds(31));
        // Moving time while waiting: an agent still finishing its turn when a sweep looks is taken by the next one.
        Await.untilMovingTime("hibernated", time, Duration.ofSeconds(5), () -> stats().activations() == 0 && stats().loaded() == 0);
        assertThat(rt.send("script", "a", "inc").join().text()).isEqualTo("2");
        assertThat(stats().wakes()).isEqualTo(2);
    }

    @Test
    void overTheCapTheLeastRecentlyUsedAgentsHibernateFirst() {
        start(10);
        for (int i = 0; i < 20; i++) {
            rt.send("script", "a" + i, "inc").join();
            time.advance(Duration.ofMillis(1)); // distinct last-use times
        }
        Await.until("back under the cap", () -> stats().loaded() <= 10);
        LocalAgentRuntime local = (LocalAgentRuntime) rt;
        assertThat(local.activation(dev.era.agent.AgentRef.of("script", "a19"))).isNotNull();
        assertThat(local.activation(dev.era.agent.AgentRef.of("script", "a0"))).isNull();
        assertThat(rt.send("script", "a0", "get").join().text()).as("woken from the store").isEqualTo("1");
    }

    @Test
    void aConnectionOutlivesItsAgentsHibernationAndItsNextFrameWakesItWithTheAttachmentIntact() {
        start(1000);
        RecordingSink ann = new RecordingSink();
        AgentSocket socket = rt.connect("script", "room", Map.of("name", "ann"), ann).join();
        time.advance(Duration.ofMinutes(2));
        Await.untilMovingTime("the room hibernated", time, Duration.ofSeconds(5), () -> stats().activations() == 0);
        assertThat(socket.isOpen()).isTrue();
        assertThat(stats().connections()).isEqualTo(1);
        assertThat(rt.admin().agent("script", "room").orElseThrow().loaded()).isFalse();

        socket.send("whoami");
        Await.until("the woken room answered", () -> ann.frames.contains("ann"));
        assertThat(stats().wakes()).isEqualTo(2);
    }
}
