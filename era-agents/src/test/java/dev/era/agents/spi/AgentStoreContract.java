package dev.era.agents.spi;

import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.KvEntry;
import dev.era.agent.Schedule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract of {@link AgentStore}, run against every implementation: the SQLite store here,
 * the PostgreSQL store in era-agents-cluster. A subclass opens an empty store.
 */
public abstract class AgentStoreContract {
    protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    protected static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
    private static final AgentRef A = AgentRef.of("counter", "a");
    private static final AgentRef B = AgentRef.of("counter", "b");

    protected AgentStore store;

    /** An empty store, using {@code clock} for the times it records. */
    protected abstract AgentStore open(Clock clock) throws Exception;

    /** The fence a commit of {@code agent} carries; 0 for a store owned by one process. */
    protected long fence(AgentRef agent) {
        return store.load(agent).fence();
    }

    @BeforeEach
    void openStore() throws Exception {
        store = open(CLOCK);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private TickWrite write(AgentRef agent, String state, Map<String, byte[]> puts, Set<String> deletes,
                            List<AlarmInfo> alarmPuts, Set<String> alarmDeletes, List<TickWrite.Outgoing> sends, long consumed) {
        return new TickWrite(agent, fence(agent), Optional.ofNullable(state).map(StandardCharsets.UTF_8::encode).map(b -> {
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        }), puts, deletes, alarmPuts, alarmDeletes, sends, consumed, Optional.empty());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static AlarmInfo alarm(String name, Instant due) {
        return new AlarmInfo(name, due, new Schedule.Once(due), "data-" + name);
    }

    @Test
    void an_agent_never_committed_loads_empty() {
        Snapshot s = store.load(A);
        assertThat(s.state()).isEmpty();
        assertThat(s.alarms()).isEmpty();
    }

    @Test
    void a_commit_is_visible_to_loads_and_reads_once_its_future_completed() {
        store.commit(write(A, "1", Map.of("k1", bytes("v1"), "k2", bytes("v2")), Set.of(),
                List.of(alarm("x", T0.plusSeconds(5))), Set.of(), List.of(), 0)).join();

        Snapshot s = store.load(A);
        assertThat(new String(s.state().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("1");
        assertThat(s.alarms()).extracting(AlarmInfo::name).containsExactly("x");
        assertThat(s.alarms().getFirst().due()).isEqualTo(T0.plusSeconds(5));
        assertThat(s.alarms().getFirst().data()).isEqualTo("data-x");
        assertThat(store.kvGet(A, "k1")).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("v1"));
        assertThat(store.kvGet(B, "k1")).isEmpty();
    }

    @Test
    void kv_deletes_and_alarm_deletes_remove_only_what_they_name() {
        store.commit(write(A, "1", Map.of("k1", bytes("v1"), "k2", bytes("v2")), Set.of(),
                List.of(alarm("x", T0), alarm("y", T0)), Set.of(), List.of(), 0)).join();
        store.commit(write(A, null, Map.of(), Set.of("k1"), List.of(), Set.of("x"), List.of(), 0)).join();

        assertThat(store.kvGet(A, "k1")).isEmpty();
        assertThat(store.kvGet(A, "k2")).isPresent();
        assertThat(store.load(A).alarms()).extracting(AlarmInfo::name).containsExactly("y");
        assertThat(new String(store.load(A).state().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("1");
    }

    @Test
    void kv_list_returns_keys_with_the_prefix_in_code_point_order_up_to_the_limit() {
        store.commit(write(A, "1", Map.of("p/b", bytes("2"), "p/a", bytes("1"), "p/\u00e9", bytes("3"), "q/a", bytes("4"),
                "p/c", bytes("5")), Set.of(), List.of(), Set.of(), List.of(), 0)).join();

        assertThat(store.kvList(A, "p/", 10)).extracting(KvEntry::key).containsExactly("p/a", "p/b", "p/c", "p/\u00e9");
        assertThat(store.kvList(A, "p/", 2)).extracting(KvEntry::key).containsExactly("p/a", "p/b");
        assertThat(store.kvList(B, "p/", 10)).isEmpty();
    }

    @Test
    void due_alarms_of_every_agent_come_soonest_first_within_the_window() {
        store.commit(write(A, "1", Map.of(), Set.of(), List.of(alarm("late", T0.plusSeconds(30)), alarm("soon", T0.plusSeconds(1))),
                Set.of(), List.of(), 0)).join();
        store.commit(write(B, "1", Map.of(), Set.of(), List.of(alarm("mid", T0.plusSeconds(2))), Set.of(), List.of(), 0)).join();

        List<DueAlarm> due = store.alarmsDue(Instant.ofEpochMilli(Long.MIN_VALUE), T0.plusSeconds(10));
        assertThat(due).extracting(d -> d.agent().id() + ":" + d.alarm().name()).containsExactly("a:soon", "b:mid");
        assertThat(store.alarmsDue(T0.plusSeconds(2), T0.plusSeconds(31))).extracting(d -> d.alarm().name())
                .containsExactly("mid", "late");
    }

    @Test
    void sends_get_increasing_outbox_numbers_and_a_consuming_commit_removes_its_message() {
        Committed c = store.commit(write(A, "1", Map.of(), Set.of(), List.of(), Set.of(),
                List.of(new TickWrite.Outgoing(B, A, bytes("m1")), new TickWrite.Outgoing(B, A, bytes("m2"))), 0)).join();
        assertThat(c.outboxSeqs()).hasSize(2);
        assertThat(c.outboxSeqs().get(1)).isGreaterThan(c.outboxSeqs().get(0));

        List<OutboxMessage> box = store.outbox(0, 10);
        assertThat(box).extracting(OutboxMessage::seq).containsExactlyElementsOf(c.outboxSeqs());
        assertThat(box.getFirst().to()).isEqualTo(B);
        assertThat(box.getFirst().from()).isEqualTo(A);
        assertThat(new String(box.getFirst().data(), StandardCharsets.UTF_8)).isEqualTo("m1");
        assertThat(store.outbox(c.outboxSeqs().get(0), 10)).hasSize(1);

        store.commit(write(B, "1", Map.of(), Set.of(), List.of(), Set.of(), List.of(), c.outboxSeqs().get(0))).join();
        assertThat(store.outbox(0, 10)).extracting(OutboxMessage::seq).containsExactly(c.outboxSeqs().get(1));
    }

    @Test
    void dead_letters_are_listed_newest_first_per_agent_and_can_be_discarded() {
        for (AgentRef r : List.of(A, B, A)) {
            store.commit(new TickWrite(r, fence(r), Optional.empty(), Map.of(), Set.of(), List.of(), Set.of(), List.of(), 0,
                    Optional.of(new TickWrite.NewDeadLetter("message", bytes("p-" + r.id()), "boom", 3)))).join();
        }
        List<DeadLetter> all = store.deadLetters(Optional.empty(), Long.MAX_VALUE, 10);
        assertThat(all).extracting(d -> d.agent().id()).containsExactly("a", "b", "a");
        assertThat(all.getFirst().seq()).isGreaterThan(all.get(1).seq());
        assertThat(all.getFirst().error()).isEqualTo("boom");
        assertThat(all.getFirst().attempts()).isEqualTo(3);
        assertThat(all.getFirst().failedAt()).isEqualTo(T0);
        assertThat(store.deadLetters(Optional.of(A), Long.MAX_VALUE, 10)).hasSize(2);

        assertThat(store.discardDeadLetter(all.getFirst().seq())).isTrue();
        assertThat(store.discardDeadLetter(all.getFirst().seq())).isFalse();
        assertThat(store.deadLetters(Optional.empty(), Long.MAX_VALUE, 10)).hasSize(2);
    }

    @Test
    void agent_ids_page_in_order_and_stats_count_rows() {
        for (String id : List.of("c", "a", "b")) {
            AgentRef r = AgentRef.of("counter", id);
            store.commit(write(r, "1", Map.of(), Set.of(), List.of(alarm("x", T0)), Set.of(), List.of(), 0)).join();
        }
        assertThat(store.agentIds("counter", "", 10)).containsExactly("a", "b", "c");
        assertThat(store.agentIds("counter", "a", 1)).containsExactly("b");
        assertThat(store.agentIds("other", "", 10)).isEmpty();
        StoreStats stats = store.stats();
        assertThat(stats.agents()).isEqualTo(3);
        assertThat(stats.alarms()).isEqualTo(3);
        assertThat(stats.writes()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void many_concurrent_commits_of_different_agents_all_land() {
        List<CompletableFuture<Committed>> futures = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            AgentRef r = AgentRef.of("counter", "n" + i);
            futures.add(store.commit(write(r, Integer.toString(i), Map.of("k", bytes("v" + i)), Set.of(), List.of(), Set.of(),
                    List.of(), 0)));
        }
        futures.forEach(CompletableFuture::join);
        for (int i = 0; i < 500; i += 37) {
            AgentRef r = AgentRef.of("counter", "n" + i);
            assertThat(new String(store.load(r).state().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo(Integer.toString(i));
            assertThat(store.kvGet(r, "k")).isPresent();
        }
        assertThat(store.stats().agents()).isEqualTo(500);
        assertThat(store.stats().commits()).isLessThanOrEqualTo(store.stats().writes());
    }

    @Test
    void a_closed_store_refuses_commits_with_a_clear_error() {
        store.close();
        CompletableFuture<Committed> f = store.commit(new TickWrite(A, 0, Optional.of(bytes("1")), Map.of(), Set.of(), List.of(),
                Set.of(), List.of(), 0, Optional.empty()));
        assertThat(f).failsWithin(Duration.ofSeconds(30));
        store = open2();
    }

    private AgentStore open2() {
        try {
            return open(CLOCK);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
