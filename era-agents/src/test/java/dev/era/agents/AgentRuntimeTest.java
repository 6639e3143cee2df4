package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentRuntimeTest {
    @TempDir
    Path dir;
    final ManualTime time = new ManualTime(Instant.parse("2025-01-01T00:00:00Z"));
    AgentRuntime rt;

    AgentRuntime start() {
        rt = EraAgents.local(dir.resolve("agents.db")).register("script", () -> new ScriptAgent(time)).time(time).start();
        return rt;
    }

    @AfterEach
    void close() {
        if (rt != null) {
            rt.close();
        }
    }

    String send(String id, String text) {
        return rt.send("script", id, text).join().text();
    }

    @Test
    void stateSurvivesARestartOnTheSameFile() {
        start();
        assertThat(send("a", "inc")).isEqualTo("1");
        assertThat(send("a", "inc")).isEqualTo("2");
        rt.close();
        start();
        assertThat(send("a", "get")).isEqualTo("2");
        assertThat(rt.admin().agent("script", "a").orElseThrow().stateText()).contains("{\"count\":2}");
        assertThat(rt.admin().ids("script", "", 10)).containsExactly("a");
    }

    @Test
    void aTickThatChangesNothingDurableCommitsNothing() {
        start();
        send("a", "inc");
        long commits = rt.admin().stats().writes();
        for (int i = 0; i < 10; i++) {
            assertThat(send("a", "get")).isEqualTo("1");
        }
        assertThat(rt.admin().stats().writes()).isEqualTo(commits);
    }

    @Test
    void kvReadsSeeTheTicksOwnWritesAndListsMergeThem() {
        start();
        send("a", "put k/1 one");
        send("a", "put k/2 two");
        send("a", "put z other");
        assertThat(send("a", "kv k/1")).isEqualTo("one");
        send("a", "del k/1");
        assertThat(send("a", "kv k/1")).isEqualTo("none");
        assertThat(send("a", "list k/")).isEqualTo("k/2");
        assertThat(rt.admin().kv("script", "a", "", 10)).extracting(e -> e.key()).containsExactly("k/2", "z");
    }

    @Test
    void keysAreOrderedByCodePointLikeTheStore() {
        start();
        send("a", "put \uFFFD x"); // U+FFFD sorts below U+1F600 by code point, above it in UTF-16
        send("a", "put \uD83D\uDE00 y");
        assertThat(send("a", "list")).isEqualTo("\uFFFD,\uD83D\uDE00");
        assertThat(rt.admin().kv("script", "a", "", 10)).extracting(e -> e.key()).containsExactly("\uFFFD", "\uD83D\uDE00");
    }

    @Test
    void aMessageToAnotherAgentArrivesAfterTheCommitWithItsSender() {
        start();
        send("a", "send script b hello there");
        Await.until("b got the message", () -> rt.admin().kv("script", "b", "from/", 10).size() == 1);
        assertThat(rt.admin().kv("script", "b", "from/", 10).getFirst().key()).isEqualTo("from/script/a");
        Await.until("the outbox is empty", () -> rt.admin().stats().writes() >= 2
                && ((LocalAgentRuntime) rt).store.stats().outbox() == 0);
    }

    @Test
    void requestsAnswerWithTheAgentsStatus() {
        start();
        TickResult r = rt.request("script", "a", new Trigger.Request("GET", "/teapot", Map.of(), new byte[0])).join();
        assertThat(r.status()).isEqualTo(418);
        assertThat(r.text()).isEqualTo("GET /teapot");
    }

    @Test
    void unknownTypesAndBadIdsAreRefusedWithMessagesThatSayWhatToDo() {
        start();
        assertThatThrownBy(() -> rt.send("nope", "a", "x").join()).cause()
                .isInstanceOf(AgentRuntimeException.UnknownAgentType.class).hasMessageContaining("registered: script");
        assertThatThrownBy(() -> rt.send("script", "a/b", "x").join()).cause()
                .isInstanceOf(AgentRuntimeException.InvalidRequest.class).hasMessageContaining("contains '/'");
        assertThatThrownBy(() -> Await.joinMovingTime(rt.send("script", "a", "send nope x hi"), time)).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(AgentRuntimeException.TickFailed.class).hasMessageContaining("No agent type 'nope'");
    }

    @Test
    void thenHibernateDropsTheAgentFromMemoryAfterTheTick() {
        start();
        send("a", "inc");
        assertThat(send("a", "hibernate")).isEqualTo("1");
        assertThat(rt.admin().agent("script", "a").orElseThrow().loaded()).isFalse();
        assertThat(send("a", "inc")).isEqualTo("2");
    }

    @Test
    void adminViewsShowNothingForAnAgentThatNeverCommitted() {
        start();
        send("ghost", "get");
        assertThat(rt.admin().agent("script", "never")).isEqualTo(Optional.empty());
        assertThat(rt.admin().deadLetters(Optional.of(AgentRef.of("script", "ghost")), 10)).isEmpty();
    }
}
