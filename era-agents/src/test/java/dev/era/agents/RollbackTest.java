package dev.era.agents;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.AgentRef;
import dev.era.agent.Json;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.spi.DeadLetter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A tick that throws, overruns or cannot commit leaves no trace; its trigger is retried, then dead-lettered. */
class RollbackTest {
    @TempDir
    Path dir;
    final ManualTime time = new ManualTime(Instant.parse("2025-01-01T00:00:00Z"));
    AgentRuntime rt;

    AgentRuntime start(int attempts) {
        rt = EraAgents.local(dir.resolve("agents.db")).register("script", () -> new ScriptAgent(time))
                .register("list", ListAgent::new).time(time).retries(attempts, Duration.ofMillis(100))
                .maxTickDuration(Duration.ofSeconds(1)).start();
        return rt;
    }

    @AfterEach
    void close() {
        if (rt != null) {
            rt.close();
        }
    }

    @Test
    void aTickThatThrowsChangesNoStateKvAlarmOrMessageAndIsDeadLettered() {
        start(1);
        rt.send("script", "a", "inc").join();
        assertThatThrownBy(() -> rt.send("script", "a", "boom").join()).cause()
                .isInstanceOf(AgentRuntimeException.TickFailed.class)
                .hasMessageContaining("script/a").hasMessageContaining("boom on purpose").hasMessageContaining("dead-lettered");
        assertThat(rt.send("script", "a", "get").join().text()).isEqualTo("1");
        assertThat(rt.admin().kv("script", "a", "", 10)).isEmpty();
        assertThat(rt.admin().alarms("script", "a")).isEmpty();
        assertThat(rt.admin().agent("script", "other")).isEmpty();
        List<DeadLetter> dead = rt.admin().deadLetters(Optional.of(AgentRef.of("script", "a")), 10);
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.trigger()).isEqualTo("message");
            assertThat(d.payloadText()).isEqualTo("boom");
            assertThat(d.error()).contains("boom on purpose");
            assertThat(d.attempts()).isEqualTo(1);
        });
        assertThat(rt.admin().discardDeadLetter(dead.getFirst().seq())).isTrue();
        assertThat(rt.admin().deadLetters(Optional.empty(), 10)).isEmpty();
    }

    @Test
    void aFailingTriggerIsRetriedWithBackoffBeforeItIsDeadLettered() {
        start(3);
        CompletableFuture<TickResult> boom = rt.send("script", "a", "boom");
        Await.until("the first attempt failed", () -> rt.admin().stats().failures() == 1);
        time.advance(Duration.ofMillis(99));
        assertThat(rt.admin().stats().failures()).as("no retry before the backoff").isEqualTo(1);
        assertThatThrownBy(() -> Await.joinMovingTime(boom, time)).hasMessageContaining("failed 3 time(s)");
        RuntimeStats s = rt.admin().stats();
        assertThat(s.failures()).isEqualTo(3);
        assertThat(s.retries()).isEqualTo(2);
        assertThat(s.deadLettered()).isEqualTo(1);
    }

    @Test
    void aRetryThatSucceedsAnswersOnceAndKeepsTheAgentsTriggersInOrder() {
        start(3);
        CompletableFuture<TickResult> flaky = rt.send("script", "a", "flaky order 2");
        CompletableFuture<TickResult> after = rt.send("script", "a", "inc");
        assertThat(Await.joinMovingTime(flaky, time).text()).isEqualTo("1");
        assertThat(Await.joinMovingTime(after, time).text()).as("queued behind the retried trigger").isEqualTo("2");
        assertThat(rt.admin().stats().deadLettered()).isZero();
    }

    @Test
    void aStateMutatedInPlaceByAFailedTickIsRolledBack() {
        start(1);
        rt.send("list", "l", "add a").join();
        assertThatThrownBy(() -> rt.send("list", "l", "add-then-fail b").join()).hasMessageContaining("fails after adding");
        assertThat(rt.send("list", "l", "show").join().text()).isEqualTo("[a]");
    }

    @Test
    void aTickOverTheTimeLimitIsRolledBack() {
        start(1);
        assertThatThrownBy(() -> rt.send("script", "a", "slow 2000").join()).cause()
                .hasMessageContaining("ran 2000 ms, over the limit of 1000 ms");
        assertThat(rt.admin().agent("script", "a")).map(AgentView::state).hasValue(Optional.empty());
    }

    @Test
    void aHangingTickIsInterruptedByTheWatchdogAndItsAgentServesAgain() {
        start(1);
        // From another thread: an idle agent's tick runs on the sender's thread, and this one moves time.
        CompletableFuture<TickResult> hang = CompletableFuture.supplyAsync(() -> rt.send("script", "a", "hang"))
                .thenCompose(f -> f);
        Await.until("the hanging tick started", () -> ((LocalAgentRuntime) rt).activation(
                dev.era.agent.AgentRef.of("script", "a")) != null && !((LocalAgentRuntime) rt).activation(
                dev.era.agent.AgentRef.of("script", "a")).mailbox.idle());
        CompletableFuture<TickResult> next = rt.send("script", "a", "inc");
        assertThatThrownBy(() -> Await.joinMovingTime(hang, time)).hasMessageContaining("over the limit");
        assertThat(Await.joinMovingTime(next, time).text()).isEqualTo("1");
    }

    @Test
    void aContextKeptAfterItsTickIsRefused() {
        start(1);
        rt.send("list", "l", "keep").join();
        assertThatThrownBy(() -> ListAgent.kept.state()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("used after the tick ended");
    }

    /** An agent whose state is a mutable list, to prove that in-place changes of a failed tick are undone. */
    static final class ListAgent implements Agent<List<String>> {
        static volatile AgentContext<List<String>> kept;

        @Override
        public List<String> initialState() {
            return new ArrayList<>();
        }

        @Override
        public StateCodec<List<String>> stateCodec() {
            return StateCodec.json(l -> Json.array(l.stream().<Json>map(Json::of).toList()),
                    j -> new ArrayList<>(((Json.Arr) j).items().stream().map(i -> ((Json.Str) i).value()).toList()));
        }

        @Override
        public TickResult onTrigger(AgentContext<List<String>> ctx, Trigger trigger) {
            String[] w = ((Trigger.Message) trigger).text().split(" ");
            switch (w[0]) {
                case "add" -> {
                    ctx.state().add(w[1]);
                    ctx.setState(ctx.state());
                }
                case "add-then-fail" -> {
                    ctx.state().add(w[1]);
                    throw new IllegalStateException("fails after adding " + w[1]);
                }
                case "keep" -> kept = ctx;
                default -> {
                }
            }
            return TickResult.reply(ctx.state().toString());
        }
    }
}
