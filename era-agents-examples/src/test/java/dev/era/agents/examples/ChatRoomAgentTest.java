package dev.era.agents.examples;

import dev.era.agents.AgentRuntime;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.AgentSocket;
import dev.era.agents.EraAgents;
import dev.era.agents.ManualTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatRoomAgentTest {
    @TempDir
    Path dir;

    @Test
    void membersChatNewcomersGetTheHistoryAndNamesSurviveHibernation() {
        ManualTime time = new ManualTime(Instant.parse("2025-01-01T00:00:00Z"));
        try (AgentRuntime agents = EraAgents.local(dir.resolve("agents.db")).register("chat", ChatRoomAgent::new)
                .time(time).idleTimeout(Duration.ofMinutes(1)).start()) {
            Frames ada = new Frames();
            AgentSocket a = agents.connect("chat", "lobby", Map.of("name", "ada"), ada).join();
            Frames bob = new Frames();
            AgentSocket b = agents.connect("chat", "lobby", Map.of("name", "bob"), bob).join();
            a.send("hello");
            Frames.await("bob got ada's message", () -> bob.received.contains("ada: hello"));
            assertThat(ada.received).containsExactly("* ada joined", "* bob joined", "ada: hello");

            time.advance(Duration.ofMinutes(5)); // the room hibernates; both stay connected
            Frames.awaitMoving(time, Duration.ofSeconds(5), "the room hibernated", () -> agents.admin().stats().loaded() == 0);
            b.send("still here?");
            Frames.await("the woken room knew bob's name", () -> ada.received.contains("bob: still here?"));
            assertThat(agents.send("chat", "lobby", "who").join().text()).isEqualTo("ada,bob");

            Frames cy = new Frames();
            agents.connect("chat", "lobby", Map.of("name", "cy"), cy).join();
            assertThat(cy.received).startsWith("ada: hello", "bob: still here?");
            b.close(1000, "bye");
            Frames.await("ada saw bob leave", () -> ada.received.contains("* bob left"));
            assertThatThrownBy(() -> agents.connect("chat", "lobby", Map.of(), new Frames()).join()).cause()
                    .isInstanceOf(AgentRuntimeException.ConnectionRefused.class).hasMessageContaining("?name=");
        }
    }

    @Test
    void theRoomKeepsOnlyTheLastFiftyMessages() {
        try (AgentRuntime agents = EraAgents.local(dir.resolve("agents.db")).register("chat", ChatRoomAgent::new).start()) {
            for (int i = 1; i <= 60; i++) {
                agents.send("chat", "busy", "m" + i).join();
            }
            var history = agents.admin().kv("chat", "busy", "msg/", 100);
            assertThat(history).hasSize(ChatRoomAgent.HISTORY);
            assertThat(history.getFirst().text()).isEqualTo("system: m11");
            assertThat(history.getLast().text()).isEqualTo("system: m60");
        }
    }
}
