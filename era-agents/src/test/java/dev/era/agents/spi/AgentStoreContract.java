package dev.era.agents.spi;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.KvEntry;
import dev.era.agent.Schedule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link AgentStore} must do, whatever it stores in: a store module extends this class
 * and says how to open an empty store and how to reopen it (a daemon restart).
 */
public abstract class AgentStoreContract {
    protected static final AgentRef ALICE = AgentRef.of("counter", "alice");
    protected static final AgentRef BOB = AgentRef.of("counter", "bob");
    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");

    protected AgentStore store;

    /** Opens a store that holds no agents. */
    protected abstract AgentStore newStore();

    /** Opens again the data of the store last opened, after the contract closed it. */
    protected abstract AgentStore reopenStore();

    @BeforeEach
    final void open() {
        store = newStore();
    }

    @AfterEach
    final void close() {
        store.close();
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static Tick write(AgentRef agent) {
        return new Tick(agent);
    }

    protected final Committed commit(TickWrite w) {
        return store.commit(w).orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static AlarmInfo alarm(String name, Instant due) {
        return new AlarmInfo(name, due, new Schedule.Once(due), "data-" + name);
    }

    @Test
    void anAgentThatNeverCommittedLoadsEmpty() {
        Snapshot s = store.load(ALICE);

        assertThat(s.state()).isEmpty();
        assertThat(s.alarms()).isEmpty();
        assertThat(store.kvGet(ALICE, "k")).isEmpty();
        assertThat(store.agentIds("counter", "", 10)).isEmpty();
    }

    @Test
    void aCommitsStateKvAndAlarmsComeBackTogether() {
        AlarmInfo every = new AlarmInfo("tick", T0.plusSeconds(60), new Schedule.Every(Duration.ofMinutes(1)), "");
        commit(write(ALICE).state("{\"n\":1}").kv("a", "1").kv("b", "2").alarm(alarm("soon", T0.plusSeconds(5))).alarm(every).build());

        Snapshot s = store.load(ALICE);
        assertThat(s.state()).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}"));
        assertThat(s.alarms()).containsExactly(alarm("soon", T0.plusSeconds(5)), every);
        assertThat(store.kvGet(ALICE, "a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("1")));
        assertThat(store.load(BOB).state()).isEmpty();
    }

    @Test
    void laterCommitsReplaceStateKeysAndAlarmsAndDeleteWhatTheyName() {
        commit(write(ALICE).state("1").kv("a", "1").kv("b", "2").alarm(alarm("x", T0)).alarm(alarm("y", T0)).build());

        commit(write(ALICE).state("2").kv("a", "one").deleteKv("b").alarm(alarm("x", T0.plusSeconds(9))).deleteAlarm("y").build());

        Snapshot s = store.load(ALICE);
        assertThat(new String(s.state().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("2");
        assertThat(s.alarms()).containsExactly(alarm("x", T0.plusSeconds(9)));
        assertThat(store.kvGet(ALICE, "a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("one")));
        assertThat(store.kvGet(ALICE, "b")).isEmpty();
    }

    @Test
    void aCommitWithoutStateKeepsTheStoredState() {
        commit(write(ALICE).state("kept").build());

        commit(write(ALICE).kv("k", "v").build());

        assertThat(new String(store.load(ALICE).state().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("kept");
    }

    @Test
    void kvListsByPrefixInCodePointOrderUpToTheLimit() {
        commit(write(ALICE).kv("user:b", "2").kv("user:a", "1").kv("user:é", "3").kv("user:\uD83D\uDE00", "4").kv("user:Z", "0")
                .kv("other", "x").build());
        commit(write(BOB).kv("user:c", "bob's").build());

        assertThat(store.kvList(ALICE, "user:", 10)).extracting(KvEntry::key)
                .containsExactly("user:Z", "user:a", "user:b", "user:é", "user:\uD83D\uDE00");
        assertThat(store.kvList(ALICE, "user:", 2)).extracting(KvEntry::key).containsExactly("user:Z", "user:a");
        assertThat(store.kvList(ALICE, "", 10)).hasSize(6);
        assertThat(store.kvList(ALICE, "none:", 10)).isEmpty();
    }

    @Test
    void alarmsOfEveryAgentAreDueInTheirWindowSoonestFirst() {
        commit(write(ALICE).alarm(alarm("late", T0.plusSeconds(30))).alarm(alarm("early", T0.plusSeconds(10))).build());
        commit(write(BOB).alarm(alarm("middle", T0.plusSeconds(20))).alarm(alarm("outside", T0.plusSeconds(40))).build());

        List<DueAlarm> due = store.alarmsDue(T0.plusSeconds(10), T0.plusSeconds(40));

        assertThat(due).extracting(d -> d.agent().id() + "/" + d.alarm().name()).containsExactly("alice/early", "bob/middle", "alice/late");
    }

    @Test
    void sendsGetIncreasingOutboxSeqsAndAConsumedMessageLeavesWithItsTick() {
        Committed c = commit(write(ALICE).send(BOB, "hello").send(BOB, "again").build());

        assertThat(c.outboxSeqs()).hasSize(2).isSorted().doesNotHaveDuplicates();
        List<OutboxMessage> out = store.outbox(0, 10);
        assertThat(out).extracting(OutboxMessage::seq).containsExactlyElementsOf(c.outboxSeqs());
        assertThat(out.getFirst().to()).isEqualTo(BOB);
        assertThat(out.getFirst().from()).isEqualTo(ALICE);
        assertThat(out.getFirst().data()).isEqualTo(bytes("hello"));
        assertThat(store.outbox(c.outboxSeqs().getFirst(), 10)).extracting(OutboxMessage::seq).containsExactly(c.outboxSeqs().get(1));

        commit(write(BOB).state("got it").consumed(c.outboxSeqs().getFirst()).build());

        assertThat(store.outbox(0, 10)).extracting(OutboxMessage::seq).containsExactly(c.outboxSeqs().get(1));
    }

    @Test
    void deadLettersAreListedNewestFirstPerAgentAndCanBeDiscarded() {
        commit(write(ALICE).deadLetter("message", "m1", "boom", 3).build());
        commit(write(BOB).deadLetter("alarm", "tick", "bang", 5).build());
        commit(write(ALICE).deadLetter("request", "r2", "crash", 1).build());

        List<DeadLetter> all = store.deadLetters(Optional.empty(), Long.MAX_VALUE, 10);
        assertThat(all).extracting(DeadLetter::payloadText).containsExactly("r2", "tick", "m1");
        assertThat(all.getFirst().error()).isEqualTo("crash");
        assertThat(all.getFirst().trigger()).isEqualTo("request");
        assertThat(store.deadLetters(Optional.of(ALICE), Long.MAX_VALUE, 10)).extracting(DeadLetter::payloadText)
                .containsExactly("r2", "m1");
        assertThat(store.deadLetters(Optional.empty(), all.get(1).seq(), 10)).extracting(DeadLetter::payloadText).containsExactly("m1");

        assertThat(store.discardDeadLetter(all.get(1).seq())).isTrue();
        assertThat(store.discardDeadLetter(all.get(1).seq())).isFalse();
        assertThat(store.deadLetters(Optional.empty(), Long.MAX_VALUE, 10)).hasSize(2);
    }

    @Test
    void agentIdsArePagedInOrderPerType() {
        for (String id : List.of("c", "a", "b", "d")) {
            commit(write(AgentRef.of("counter", id)).state("0").build());
        }
        commit(write(AgentRef.of("other", "a")).state("0").build());

        assertThat(store.agentIds("counter", "", 2)).containsExactly("a", "b");
        assertThat(store.agentIds("counter", "b", 10)).containsExactly("c", "d");
        assertThat(store.agentIds("other", "", 10)).containsExactly("a");
    }

    @Test
    void statsCountRowsAndWrites() {
        commit(write(ALICE).state("1").alarm(alarm("a", T0)).send(BOB, "x").build());
        commit(write(BOB).state("1").deadLetter("message", "x", "e", 1).build());

        StoreStats s = store.stats();

        assertThat(s.agents()).isEqualTo(2);
        assertThat(s.alarms()).isEqualTo(1);
        assertThat(s.outbox()).isEqualTo(1);
        assertThat(s.deadLetters()).isEqualTo(1);
        assertThat(s.writes()).isGreaterThanOrEqualTo(2);
        assertThat(s.commits()).isBetween(1L, s.writes());
    }

    @Test
    void manyCommitsInFlightCompleteInOrderAndAllLand() {
        List<CompletableFuture<Committed>> futures = new ArrayList<>();
        List<Integer> completed = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 300; i++) {
            int n = i;
            AgentRef agent = AgentRef.of("counter", "a" + (i % 30));
            futures.add(store.commit(write(agent).state(Integer.toString(i)).kv("k" + i, "v").build())
                    .whenComplete((c, e) -> completed.add(n)));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();

        assertThat(completed).isSorted().hasSize(300);
        assertThat(store.agentIds("counter", "", 100)).hasSize(30);
        assertThat(new String(store.load(AgentRef.of("counter", "a29")).state().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("299");
        assertThat(store.kvGet(AgentRef.of("counter", "a0"), "k270")).isPresent();
    }

    @Test
    void commitsOfOneAgentInFlightTogetherLandInTheOrderTheyWereMade() {
        commit(write(ALICE).kv("k", "first").alarm(alarm("a", T0)).build());

        CompletableFuture<Committed> delete = store.commit(write(ALICE).deleteKv("k").deleteAlarm("a").build());
        CompletableFuture<Committed> put = store.commit(write(ALICE).kv("k", "second").alarm(alarm("a", T0.plusSeconds(1))).build());
        CompletableFuture.allOf(delete, put).orTimeout(30, TimeUnit.SECONDS).join();

        assertThat(store.kvGet(ALICE, "k")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("second")));
        assertThat(store.load(ALICE).alarms()).containsExactly(alarm("a", T0.plusSeconds(1)));
    }

    @Test
    void everythingCommittedSurvivesCloseAndReopen() {
        Committed c = commit(write(ALICE).state("s").kv("k", "v").alarm(alarm("a", T0)).send(BOB, "m")
                .deadLetter("message", "p", "e", 2).build());

        store.close();
        store = reopenStore();

        assertThat(store.load(ALICE).state()).isPresent();
        assertThat(store.load(ALICE).alarms()).hasSize(1);
        assertThat(store.kvGet(ALICE, "k")).isPresent();
        assertThat(store.outbox(0, 10)).extracting(OutboxMessage::seq).containsExactlyElementsOf(c.outboxSeqs());
        assertThat(store.deadLetters(Optional.empty(), Long.MAX_VALUE, 10)).hasSize(1);
        Committed next = commit(write(ALICE).send(BOB, "after restart").build());
        assertThat(next.outboxSeqs().getFirst()).isGreaterThan(c.outboxSeqs().getLast());
    }

    @Test
    void aClosedStoreFailsCommitsInsteadOfLosingThem() {
        store.close();

        CompletableFuture<Committed> late = store.commit(write(ALICE).state("late").build());

        assertThat(late).failsWithin(Duration.ofSeconds(10));
        store = reopenStore();
        assertThat(store.load(ALICE).state()).isEmpty();
    }

    /** Builds a {@link TickWrite} (fence 0) for the tests. */
    protected static final class Tick {
        private final AgentRef agent;
        private Optional<byte[]> state = Optional.empty();
        private final Map<String, byte[]> kvPuts = new java.util.LinkedHashMap<>();
        private final Set<String> kvDeletes = new java.util.LinkedHashSet<>();
        private final List<AlarmInfo> alarmPuts = new ArrayList<>();
        private final Set<String> alarmDeletes = new java.util.LinkedHashSet<>();
        private final List<TickWrite.Outgoing> sends = new ArrayList<>();
        private long consumed;
        private Optional<TickWrite.NewDeadLetter> deadLetter = Optional.empty();

        Tick(AgentRef agent) {
            this.agent = agent;
        }

        public Tick state(String s) {
            state = Optional.of(bytes(s));
            return this;
        }

        public Tick kv(String key, String value) {
            kvPuts.put(key, bytes(value));
            return this;
        }

        public Tick deleteKv(String key) {
            kvDeletes.add(key);
            return this;
        }

        public Tick alarm(AlarmInfo a) {
            alarmPuts.add(a);
            return this;
        }

        public Tick deleteAlarm(String name) {
            alarmDeletes.add(name);
            return this;
        }

        public Tick send(AgentRef to, String data) {
            sends.add(new TickWrite.Outgoing(to, agent, bytes(data)));
            return this;
        }

        public Tick consumed(long seq) {
            consumed = seq;
            return this;
        }

        public Tick deadLetter(String trigger, String payload, String error, int attempts) {
            deadLetter = Optional.of(new TickWrite.NewDeadLetter(trigger, bytes(payload), error, attempts));
            return this;
        }

        public TickWrite build() {
            return new TickWrite(agent, 0, state, kvPuts, kvDeletes, alarmPuts, alarmDeletes, sends, consumed, deadLetter);
        }
    }
}
