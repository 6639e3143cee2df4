package dev.era.store.postgres;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent runtime itself on PostgreSQL: ticks commit there and a new runtime finds them. */
class AgentRuntimeOnPostgresTest {
    static EmbeddedPostgres postgres;

    @BeforeAll
    static void startServer() throws Exception {
        postgres = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        postgres.close();
    }

    /** Counts "inc" messages in its state and answers "get" with the count. */
    static final class Counter implements Agent<String> {
        @Override
        public String initialState() {
            return "0";
        }

        @Override
        public StateCodec<String> stateCodec() {
            return StateCodec.utf8();
        }

        @Override
        public TickResult onTrigger(AgentContext<String> ctx, Trigger trigger) {
            if (trigger instanceof Trigger.Message m && new String(m.data(), java.nio.charset.StandardCharsets.UTF_8).equals("inc")) {
                ctx.setState(Integer.toString(Integer.parseInt(ctx.state()) + 1));
                ctx.kv().put("last", "inc".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return TickResult.reply(ctx.state());
        }
    }

    private static AgentRuntime runtime(String database) {
        return EraAgents.withStore(PostgresAgentStore.open(postgres.config(database), Clock.systemUTC()))
                .register("counter", Counter::new).start();
    }

    @Test
    void committedTicksAreThereForTheNextRuntime() throws Exception {
        String db = postgres.createDatabase();
        try (AgentRuntime rt = runtime(db)) {
            for (int i = 0; i < 3; i++) {
                rt.send("counter", "a", "inc").join();
            }
            rt.send("counter", "b", "inc").join();
        }

        try (AgentRuntime rt = runtime(db)) {
            assertThat(rt.send("counter", "a", "get").join().text()).isEqualTo("3");
            assertThat(rt.send("counter", "b", "get").join().text()).isEqualTo("1");
        }
    }
}
