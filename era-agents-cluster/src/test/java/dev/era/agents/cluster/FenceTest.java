package dev.era.agents.cluster;

import dev.era.store.postgres.EmbeddedPostgres;
import com.zaxxer.hikari.HikariDataSource;
import dev.era.agent.AgentRef;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.spi.Committed;
import dev.era.agents.spi.TickWrite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fence in the commit itself, with a hand-written lease holder instead of the membership. */
class FenceTest {
    private static final AgentRef AGENT = AgentRef.of("log", "fenced");
    private static final String ME = "me/1";
    private static EmbeddedPostgres pg;

    private HikariDataSource ds;
    private PostgresAgentStore store;

    /** Holds every partition under epoch {@link #epoch}, as far as this process believes. */
    private final class Believer implements Fencing {
        volatile long epoch = 1;

        @Override
        public long fenceFor(AgentRef agent) {
            return epoch;
        }

        @Override
        public boolean owns(AgentRef agent) {
            return true;
        }

        @Override
        public boolean enforced() {
            return true;
        }

        @Override
        public String token() {
            return ME;
        }

        @Override
        public int partition(AgentRef agent) {
            return 0;
        }
    }

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        pg.close();
    }

    @BeforeEach
    void open() throws Exception {
        ds = Pools.open(pg.jdbcUrl(pg.createDatabase()), "postgres", "", 4, "fence-test", Optional.of(Duration.ofSeconds(5)));
        try (Connection c = ds.getConnection()) {
            PgSchema.migrate(c);
            PgSchema.partitions(c, 1);
            exec(c, "UPDATE era_partition SET owner = '" + ME + "', epoch = 1, expires = now() + interval '1 hour'");
        }
        store = new PostgresAgentStore(ds, new Believer(), Clock.systemUTC(), h -> { }, ds::close);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private CompletableFuture<Committed> commit(long fence, String state) {
        return store.commit(new TickWrite(AGENT, fence, Optional.of(state.getBytes(StandardCharsets.UTF_8)), Map.of(), Set.of(),
                List.of(), Set.of(), List.of(), 0, Optional.empty()));
    }

    private String stored() {
        return new String(store.load(AGENT).state().orElseThrow(), StandardCharsets.UTF_8);
    }

    @Test
    void a_commit_with_the_current_epoch_lands() {
        commit(1, "one").join();
        assertThat(stored()).isEqualTo("one");
    }

    @Test
    void after_a_takeover_the_old_owner_cannot_commit() throws Exception {
        commit(1, "one").join();
        try (Connection c = ds.getConnection()) {
            exec(c, "UPDATE era_partition SET owner = 'other/2', epoch = 2");
        }

        assertThatThrownBy(() -> commit(1, "stale").join()).hasCauseInstanceOf(AgentRuntimeException.NotOwner.class)
                .hasMessageContaining("epoch 1").hasMessageContaining("no lease");
        assertThat(stored()).isEqualTo("one");
        assertThat(store.fencedCommits()).isEqualTo(1);
    }

    @Test
    void a_commit_racing_a_takeover_waits_for_it_and_is_refused() throws Exception {
        commit(1, "one").join();
        try (Connection takeover = ds.getConnection()) {
            takeover.setAutoCommit(false);
            exec(takeover, "UPDATE era_partition SET owner = 'other/2', epoch = 2"); // row locked, not committed yet
            CompletableFuture<Committed> racing = commit(1, "racing");
            // The commit cannot get past the lease row while the takeover holds it...
            assertThat(racing).isNotDone();
            Thread.sleep(200); // give it every chance to slip through; correctness does not depend on this wait
            assertThat(racing).isNotDone();
            takeover.commit();
            // ...and once the takeover committed, it sees epoch 2 and is refused.
            assertThatThrownBy(() -> racing.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(AgentRuntimeException.NotOwner.class);
        }
        assertThat(stored()).isEqualTo("one");
    }

    @Test
    void a_writer_that_reacquired_under_a_new_epoch_refuses_writes_prepared_under_the_old_one() throws Exception {
        try (Connection c = ds.getConnection()) {
            exec(c, "UPDATE era_partition SET epoch = 3"); // lost and taken back: same owner token, newer epoch
        }
        assertThatThrownBy(() -> commit(1, "old").join()).hasCauseInstanceOf(AgentRuntimeException.NotOwner.class)
                .hasMessageContaining("epoch 3");
        commit(3, "new").join();
        assertThat(stored()).isEqualTo("new");
    }
}
