package dev.era.agents;

import dev.era.agent.AgentRef;
import dev.era.agent.KvEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Durable alarms, fired by moving a manual clock. */
class AlarmTest {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    @TempDir
    Path dir;
    ManualTime time = new ManualTime(T0);
    AgentRuntime rt;
    LocalAgentRuntime local;

    AgentRuntime start() {
        rt = EraAgents.local(dir.resolve("agents.db")).register("script", () -> new ScriptAgent(time)).time(time)
                .retries(3, Duration.ofMillis(100)).start();
        local = (LocalAgentRuntime) rt;
        return rt;
    }

    @AfterEach
    void close() {
        if (rt != null) {
            rt.close();
        }
    }

    List<KvEntry> fired(String id) {
        return rt.admin().kv("script", id, "fired/", 100);
    }

    void send(String id, String text) {
        rt.send("script", id, text).join();
    }

    @Test
    void aOneShotAlarmFiresAtItsTimeWithItsDataThenIsGone() {
        start();
        send("a", "after remind 1000 call mum");
        assertThat(rt.admin().alarms("script", "a")).singleElement()
                .satisfies(a -> assertThat(a.due()).isEqualTo(T0.plusMillis(1000)));
        time.advance(Duration.ofMillis(999));
        assertThat(fired("a")).isEmpty();
        time.advance(Duration.ofMillis(1));
        Await.until("the alarm fired", () -> fired("a").size() == 1);
        assertThat(fired("a").getFirst().key()).isEqualTo("fired/remind/" + T0.plusMillis(1000).toEpochMilli());
        assertThat(fired("a").getFirst().text()).isEqualTo("call mum");
        assertThat(rt.admin().alarms("script", "a")).isEmpty();
        time.advance(Duration.ofMinutes(5));
        assertThat(fired("a")).hasSize(1);
    }

    @Test
    void aRecurringAlarmMovesToItsNextTimeEachTimeItFires() {
        start();
        send("a", "every beat 1000");
        Await.until("beat 1 is queued", () -> local.alarms.queued() == 1);
        for (int i = 1; i <= 3; i++) {
            int n = i;
            time.advance(Duration.ofMillis(1000));
            Await.until("beat " + n, () -> fired("a").size() == n);
            // The next occurrence joins the in-memory queue just after the commit that moved it.
            Await.until("beat " + (n + 1) + " is queued", () -> local.alarms.queued() == 1);
        }
        assertThat(rt.admin().alarms("script", "a")).singleElement()
                .satisfies(a -> assertThat(a.due()).isEqualTo(T0.plusMillis(4000)));
    }

    @Test
    void aCancelledOrReplacedAlarmDoesNotFireAtItsOldTime() {
        start();
        send("a", "after gone 1000");
        send("a", "cancel gone");
        send("a", "after moved 1000");
        send("a", "after moved 5000");
        time.advance(Duration.ofMillis(1000));
        Await.until("both stale entries were dropped", () -> local.runner.staleAlarms.sum() == 2);
        assertThat(fired("a")).isEmpty();
        time.advance(Duration.ofMillis(4000));
        Await.until("the moved alarm fired", () -> fired("a").size() == 1);
    }

    @Test
    void aFailingAlarmIsRetriedWithBackoffThenDeadLetteredAndRemoved() {
        start();
        send("a", "after fail-now 10");
        time.advance(Duration.ofMillis(10));
        Await.untilMovingTime("dead-lettered", time, Duration.ofMillis(50), () -> rt.admin().stats().deadLettered() == 1);
        assertThat(rt.admin().stats().failures()).isEqualTo(3);
        assertThat(fired("a")).as("every attempt rolled back").isEmpty();
        assertThat(rt.admin().alarms("script", "a")).isEmpty();
        assertThat(rt.admin().deadLetters(Optional.of(AgentRef.of("script", "a")), 10)).singleElement()
                .satisfies(d -> {
                    assertThat(d.trigger()).isEqualTo("alarm");
                    assertThat(d.payloadText()).isEqualTo("fail-now");
                });
    }

    @Test
    void alarmsThatFellDueWhileTheRuntimeWasStoppedFireAfterItStarts() {
        start();
        send("a", "after missed 60000");
        send("b", "every daily 86400000");
        rt.close();
        time = new ManualTime(T0.plus(Duration.ofDays(3)));
        start();
        Await.untilMovingTime("both fired", time, Duration.ZERO, () -> fired("a").size() == 1 && fired("b").size() == 1);
        // The recurring alarm fired once for the three missed days and moved past now.
        assertThat(rt.admin().alarms("script", "b")).singleElement()
                .satisfies(x -> assertThat(x.due()).isEqualTo(T0.plus(Duration.ofDays(4))));
    }

    @Test
    void alarmsBeyondTheInMemoryHorizonAreLoadedWhenTheirTimeComes() {
        start();
        send("a", "after far 120000");
        assertThat(local.alarms.queued()).as("not held in memory yet").isZero();
        Await.untilMovingTime("the far alarm fired", time, Duration.ofSeconds(1), () -> fired("a").size() == 1);
        assertThat(fired("a").getFirst().key()).isEqualTo("fired/far/" + T0.plusMillis(120000).toEpochMilli());
    }
}
