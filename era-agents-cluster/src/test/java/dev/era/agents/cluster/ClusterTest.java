package dev.era.agents.cluster;

import dev.era.store.postgres.EmbeddedPostgres;
import dev.era.agent.AgentRef;
import dev.era.agents.AgentRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two and three nodes in one JVM over one real PostgreSQL: placement, forwarding, leave, join, alarms, the fence. */
class ClusterTest {
    private static final Duration LEASE = Duration.ofMillis(1_500);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 64;
    private static EmbeddedPostgres pg;

    private String jdbcUrl;
    private final List<ClusterNode> nodes = new ArrayList<>();

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        pg.close();
    }

    @BeforeEach
    void database() throws Exception {
        jdbcUrl = pg.jdbcUrl(pg.createDatabase());
    }

    @AfterEach
    void stopNodes() {
        for (ClusterNode n : nodes) {
            n.close();
        }
    }

    private ClusterNode node(String id) {
        AtomicReference<ClusterNode> self = new AtomicReference<>();
        ClusterNode n = ClusterAgents.cluster(ClusterConfig.of(jdbcUrl, "postgres", "", id).withLease(LEASE).withPartitions(PARTITIONS))
                .register(TickLogAgent.TYPE, () -> new TickLogAgent(id, agentId -> self.get().epochOf(TickLogAgent.TYPE, agentId)))
                .start();
        self.set(n);
        nodes.add(n);
        return n;
    }

    private void awaitSplit(List<ClusterNode> live) {
        Await.until("the partitions split over " + live.size() + " nodes", WAIT, () -> {
            int sum = 0;
            for (ClusterNode n : live) {
                if (n.ownedPartitions() == 0 || n.members().size() != live.size()) {
                    return false;
                }
                sum += n.ownedPartitions();
            }
            return sum == PARTITIONS;
        }, () -> live.stream().map(n -> n.nodeId() + "=" + n.ownedPartitions() + " " + n.members().keySet()).toList().toString());
    }

    private static String send(ClusterNode n, String agent, String request) {
        return n.send(TickLogAgent.TYPE, agent, request).join().text();
    }

    /** The tick records of an agent, read from the database: "request node epoch start end" by tick number. */
    private List<String> records(String agent) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement ps = c.prepareStatement("SELECT value FROM era_agent_kv WHERE type = ? AND id = ? ORDER BY key")) {
            ps.setString(1, TickLogAgent.TYPE);
            ps.setString(2, agent);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new String(rs.getBytes(1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    @Test
    void every_agent_is_served_from_either_node_and_runs_on_its_owner() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        awaitSplit(List.of(a, b));

        for (int i = 0; i < 100; i++) {
            assertThat(send(a, "x" + i, "via-a")).isEqualTo("1");
            assertThat(send(b, "x" + i, "via-b")).isEqualTo("2");
        }

        assertThat(a.counters().get("forwarded")).isPositive();
        assertThat(b.counters().get("forwarded")).isPositive();
        for (int i = 0; i < 100; i += 7) {
            String id = "x" + i;
            String owner = a.owns(TickLogAgent.TYPE, id) ? "a" : "b";
            assertThat(records(id)).hasSize(2).allSatisfy(r -> assertThat(r.split(" ")[1]).isEqualTo(owner));
        }
    }

    @Test
    void when_a_node_leaves_the_other_takes_its_agents_with_their_state() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        awaitSplit(List.of(a, b));
        for (int i = 0; i < 50; i++) {
            send(b, "y" + i, "before");
        }

        b.close();
        nodes.remove(b);

        for (int i = 0; i < 50; i++) {
            assertThat(send(a, "y" + i, "after")).isEqualTo("2"); // retried by the router until a took over
        }
        assertThat(a.ownedPartitions()).isEqualTo(PARTITIONS);
    }

    @Test
    void a_joining_node_takes_its_share_and_state_carries_over() throws Exception {
        ClusterNode a = node("a");
        Await.until("a owns everything", WAIT, () -> a.ownedPartitions() == PARTITIONS, () -> "" + a.ownedPartitions());
        for (int i = 0; i < 50; i++) {
            send(a, "z" + i, "alone");
        }

        ClusterNode c = node("c");
        awaitSplit(List.of(a, c));

        int onC = 0;
        for (int i = 0; i < 50; i++) {
            assertThat(send(c, "z" + i, "joined")).isEqualTo("2");
            onC += c.owns(TickLogAgent.TYPE, "z" + i) ? 1 : 0;
        }
        assertThat(onC).isPositive();
        // Epochs only grow per agent: the tick on the new owner ran under a later lease than the one before.
        for (int i = 0; i < 50; i++) {
            List<String> r = records("z" + i);
            assertThat(Long.parseLong(r.get(1).split(" ")[2])).isGreaterThanOrEqualTo(Long.parseLong(r.get(0).split(" ")[2]));
        }
    }

    @Test
    void an_alarm_fires_on_the_owner_and_on_the_new_owner_after_the_old_one_left() throws Exception {
        ClusterNode a = node("a");
        ClusterNode b = node("b");
        awaitSplit(List.of(a, b));
        String onA = firstOwnedBy(a);
        String onB = firstOwnedBy(b);

        send(b, onA, "alarm:200");        // sent via b, runs and sets its alarm on a
        send(a, onB, "alarm:3000");       // set on b, due after b is gone
        Await.until("the alarm of " + onA + " fired", WAIT, () -> uncheckedRecords(onA).size() == 2, () -> uncheckedRecords(onA).toString());
        assertThat(uncheckedRecords(onA).get(1)).startsWith("alarm a ");

        b.close();
        nodes.remove(b);
        Await.until("the alarm of " + onB + " fired on a", WAIT, () -> uncheckedRecords(onB).size() == 2, () -> uncheckedRecords(onB).toString());
        assertThat(uncheckedRecords(onB).get(1)).startsWith("alarm a ");
    }

    @Test
    void a_node_whose_partition_was_taken_over_cannot_commit_and_says_who_owns_it() throws Exception {
        ClusterNode a = node("a");
        Await.until("a owns everything", WAIT, () -> a.ownedPartitions() == PARTITIONS, () -> "" + a.ownedPartitions());
        assertThat(send(a, "s", "first")).isEqualTo("1");
        int part = Hashing.partition(AgentRef.of(TickLogAgent.TYPE, "s"), PARTITIONS);
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement ps = c.prepareStatement("UPDATE era_partition SET owner = 'intruder/1', node = 'intruder',"
                     + " epoch = epoch + 1, expires = now() + interval '1 hour' WHERE part = ?")) {
            ps.setInt(1, part);
            ps.executeUpdate();
        }

        // Whether a still believes in its lease (the commit is fenced off) or has noticed (the load is refused),
        // the tick never commits, and the router gives up after its retry window.
        assertThatThrownBy(() -> send(a, "s", "second")).hasCauseInstanceOf(AgentRuntimeException.NotOwner.class);
        assertThat(records("s")).hasSize(1);
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("SELECT state FROM era_agent WHERE id = 's'")) {
            assertThat(rs.next()).isTrue();
            assertThat(new String(rs.getBytes(1), StandardCharsets.UTF_8)).isEqualTo("1");
        }
    }

    private static String firstOwnedBy(ClusterNode n) {
        for (int i = 0; ; i++) {
            if (n.owns(TickLogAgent.TYPE, "al" + i)) {
                return "al" + i;
            }
        }
    }

    private List<String> uncheckedRecords(String agent) {
        try {
            return records(agent);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
