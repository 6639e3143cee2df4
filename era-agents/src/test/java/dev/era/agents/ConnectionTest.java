package dev.era.agents;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionTest {
    @TempDir
    Path dir;
    final ManualTime time = new ManualTime(Instant.parse("2025-01-01T00:00:00Z"));
    AgentRuntime rt;

    @BeforeEach
    void start() {
        rt = EraAgents.local(dir.resolve("agents.db")).register("script", () -> new ScriptAgent(time)).time(time)
                .retries(1, Duration.ofMillis(100)).start();
    }

    @AfterEach
    void close() {
        rt.close();
    }

    AgentSocket connect(String name, RecordingSink sink) {
        return rt.connect("script", "room", Map.of("name", name), sink).join();
    }

    @Test
    void theConnectTickSeesTheConnectionAndMayRefuseIt() {
        RecordingSink sink = new RecordingSink();
        assertThatThrownBy(() -> rt.connect("script", "room", Map.of("refuse", "yes"), sink).join()).cause()
                .isInstanceOf(AgentRuntimeException.ConnectionRefused.class).hasMessageContaining("status 403: no entry");
        assertThat(sink.closed).isEqualTo("1008 no entry");
        assertThat(rt.admin().connections("script", "room")).isEmpty();
    }

    @Test
    void broadcastsReachEveryoneButTheSenderInOrder() {
        RecordingSink ann = new RecordingSink();
        RecordingSink bob = new RecordingSink();
        connect("ann", ann);
        AgentSocket b = connect("bob", bob);
        b.send("hi");
        b.send("there");
        Await.until("ann got both", () -> ann.frames.size() == 3);
        assertThat(ann.frames).containsExactly("bob joined", "bob: hi", "bob: there");
        assertThat(bob.frames).isEmpty();
        assertThat(rt.admin().connections("script", "room")).extracting(c -> c.attachment()).containsExactly("ann", "bob");
    }

    @Test
    void anAgentClosesAConnectionWithoutADisconnectTick() {
        RecordingSink bob = new RecordingSink();
        AgentSocket b = connect("bob", bob);
        b.send("bye");
        Await.until("closed", () -> !bob.closed.isEmpty());
        assertThat(bob.closed).isEqualTo("1000 bye bob");
        assertThat(b.isOpen()).isFalse();
        assertThatThrownBy(() -> b.send("late")).isInstanceOf(AgentRuntimeException.Closed.class);
        assertThat(rt.admin().kv("script", "room", "left/", 10)).isEmpty();
    }

    @Test
    void aClientThatClosesCausesADisconnectTick() {
        AgentSocket a = connect("ann", new RecordingSink());
        a.close(1000, "done");
        Await.until("the agent saw it", () -> rt.admin().kv("script", "room", "left/", 10).size() == 1);
        assertThat(rt.admin().kv("script", "room", "left/", 10).getFirst().text()).isEqualTo("1000 done");
        assertThat(rt.admin().connections("script", "room")).isEmpty();
    }

    @Test
    void aSinkThatFailsIsTreatedAsABrokenConnection() {
        RecordingSink ann = new RecordingSink();
        connect("ann", ann);
        SocketSink failing = new SocketSink() {
            @Override
            public void sendText(String text) {
                throw new IllegalStateException("peer reset");
            }

            @Override
            public void sendBinary(byte[] data) {
                throw new IllegalStateException("peer reset");
            }

            @Override
            public void close(int code, String reason) {
            }
        };
        AgentSocket broken = rt.connect("script", "room", Map.of("name", "bob"), failing).join();
        rt.connect("script", "room", Map.of("name", "cy"), new RecordingSink()).join(); // broadcasts to bob, who fails
        Await.until("bob's disconnect was handled", () -> rt.admin().kv("script", "room", "left/", 10).size() == 1);
        assertThat(broken.isOpen()).isFalse();
        assertThat(rt.admin().kv("script", "room", "left/", 10).getFirst().text()).startsWith("1006 ");
    }
}
