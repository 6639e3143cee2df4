package dev.era.agents;

import dev.era.agent.TickResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Nothing a tick outputs (reply, message, socket frame) is seen unless its commit succeeded. */
class OutputGateTest {
    @TempDir
    Path dir;
    final ManualTime time = new ManualTime(Instant.parse("2025-01-01T00:00:00Z"));
    FaultyStore store;
    AgentRuntime rt;

    AgentRuntime start(int attempts) {
        store = new FaultyStore(SqliteAgentStore.open(dir.resolve("agents.db"), time));
        rt = EraAgents.withStore(store).register("script", () -> new ScriptAgent(time)).time(time)
                .retries(attempts, Duration.ofMillis(100)).start();
        return rt;
    }

    @AfterEach
    void close() {
        if (rt != null) {
            rt.close();
        }
    }

    @Test
    void theReplyOfATickWhoseCommitFailsIsNeverSeen() {
        start(1);
        assertThat(rt.send("script", "a", "inc").join().text()).isEqualTo("1");
        store.failCommits.set(1);
        CompletableFuture<TickResult> lost = rt.send("script", "a", "inc");
        assertThatThrownBy(lost::join).cause().isInstanceOf(AgentRuntimeException.TickFailed.class)
                .hasMessageContaining("disk full (injected)");
        assertThat(rt.send("script", "a", "get").join().text()).as("memory rolled back with the store").isEqualTo("1");
    }

    @Test
    void messagesAndFramesOfATickWhoseCommitFailsNeverLeave() {
        start(1);
        RecordingSink ann = new RecordingSink();
        AgentSocket a = rt.connect("script", "room", Map.of("name", "ann"), ann).join();
        RecordingSink bob = new RecordingSink();
        rt.connect("script", "room", Map.of("name", "bob"), bob).join();
        Await.until("ann saw bob join", () -> ann.frames.size() == 1);

        store.failCommits.set(1);
        a.send("secret");
        Await.until("the frame was dead-lettered", () -> rt.admin().stats().deadLettered() == 1);
        store.failCommits.set(1);
        assertThatThrownBy(() -> rt.send("script", "a", "send script b leaked").join())
                .hasMessageContaining("disk full");

        a.send("public"); // a later frame that commits proves the channel works and comes after
        Await.until("bob got the later frame", () -> bob.frames.contains("ann: public"));
        assertThat(bob.frames).containsExactly("ann: public");
        assertThat(rt.admin().agent("script", "b")).isEmpty();
        assertThat(((LocalAgentRuntime) rt).store.stats().outbox()).isZero();
    }

    @Test
    void aCommitThatFailsThenSucceedsReleasesItsOutputsExactlyOnce() {
        start(3);
        RecordingSink ann = new RecordingSink();
        AgentSocket a = rt.connect("script", "room", Map.of("name", "ann"), ann).join();
        RecordingSink bob = new RecordingSink();
        rt.connect("script", "room", Map.of("name", "bob"), bob).join();
        store.failCommits.set(2);
        a.send("hello");
        CompletableFuture<TickResult> inc = rt.send("script", "room", "inc");
        assertThat(Await.joinMovingTime(inc, time).text()).isEqualTo("2");
        assertThat(bob.frames).containsExactly("ann: hello");
        assertThat(store.failed.get()).isEqualTo(2);
    }
}
