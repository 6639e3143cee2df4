package dev.era.agents.examples;

import dev.era.agent.Trigger;
import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CounterAgentTest {
    @TempDir
    Path dir;

    @Test
    void countsDurablyAcrossARestartAndAnswersOverHttp() {
        Path db = dir.resolve("agents.db");
        try (AgentRuntime agents = EraAgents.local(db).register("counter", CounterAgent::new).start()) {
            assertThat(agents.send("counter", "visits", "inc").join().text()).isEqualTo("1");
            assertThat(agents.send("counter", "visits", "inc 41").join().text()).isEqualTo("42");
            assertThat(agents.send("counter", "other", "get").join().text()).isEqualTo("0");
            assertThat(agents.send("counter", "visits", "inc x").join().status()).isEqualTo(400);
        }
        try (AgentRuntime agents = EraAgents.local(db).register("counter", CounterAgent::new).start()) {
            assertThat(agents.request("counter", "visits", new Trigger.Request("POST", "/", Map.of(), new byte[0]))
                    .join().text()).isEqualTo("43");
            assertThat(agents.admin().agent("counter", "visits").orElseThrow().stateText()).contains("{\"value\":43}");
            assertThat(agents.admin().agent("counter", "other")).as("a read commits nothing").isEmpty();
        }
    }
}
