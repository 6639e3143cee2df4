package dev.era.store.postgres;

import dev.era.api.StoreException;
import dev.era.core.spi.StateStore;
import dev.era.testing.StateStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static dev.era.testing.StoreFixtures.daemonEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store conformance suite, and what is particular to PostgreSQL, against a real server. */
class PostgresStateStoreTest extends StateStoreContract {
    static EmbeddedPostgres postgres;
    private String database;

    @BeforeAll
    static void startServer() throws Exception {
        postgres = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        postgres.close();
    }

    @Override
    protected StateStore newStore() {
        try {
            database = postgres.createDatabase();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return PostgresStateStore.open(postgres.config(database));
    }

    @Override
    protected StateStore reopenStore() {
        return PostgresStateStore.open(postgres.config(database));
    }

    @Test
    void migrationsAreRecordedOnceAndOpeningAgainAppliesNothing() throws Exception {
        store.close();
        store = reopenStore();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(database), "postgres", "");
             Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT version, file FROM schema_version ORDER BY version")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("file")).isEqualTo("V001__init.sql");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("file")).isEqualTo("V002__sandboxes.sql");
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void aSchemaFromANewerEraIsRefusedWithWhatToDo() throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(database), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO schema_version (version, file, applied_at) VALUES (99, 'V099__future.sql', 0)");
        }
        store.close();

        assertThatThrownBy(this::reopenStore).isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 99").hasMessageContaining("newer ERA");
        store = newStore(); // for the contract's close
    }

    @Test
    void anUnreachableServerIsAStoreFailureThatSaysWhatToCheck() {
        PostgresConfig nowhere = new PostgresConfig("jdbc:postgresql://127.0.0.1:1/era?connectTimeout=2", "era", "secret-pw", 1);

        assertThatThrownBy(() -> PostgresStateStore.open(nowhere)).isInstanceOf(StoreException.class)
                .hasMessageContaining("127.0.0.1:1").hasMessageContaining("check that PostgreSQL runs")
                .hasMessageNotContaining("secret-pw");
    }

    @Test
    void aMissingDatabaseIsNamedWithTheFix() {
        assertThatThrownBy(() -> PostgresStateStore.open(postgres.config("no_such_db"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("no_such_db").hasMessageContaining("createdb");
    }

    @Test
    void concurrentWritesShareCommitsAndAConflictInABatchFailsOnlyItself() throws Exception {
        PostgresStateStore pg = (PostgresStateStore) store;
        long before = pg.commits();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.Future<?>> jobs = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            for (int t = 0; t < 16; t++) {
                int thread = t;
                jobs.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 20; i++) {
                        store.append(daemonEvent(tick(), "writer " + thread + " #" + i));
                    }
                    // every thread also tries the same name: one wins, fifteen conflict, no append is lost
                    var d = dev.era.testing.StoreFixtures.deployment("acme", "contested", tick());
                    try {
                        store.create(d, dev.era.testing.StoreFixtures.event(d, "created", "created"));
                    } catch (dev.era.api.ConflictException expected) {
                        // the others' writes in the same batch still commit
                    }
                    return null;
                }));
            }
            go.countDown();
            for (var j : jobs) {
                j.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        }

        assertThat(store.events(0, 10_000)).filteredOn(e -> e.message().startsWith("writer ")).hasSize(320);
        assertThat(store.deployments()).extracting(d -> d.name()).containsExactly("contested");
        assertThat(pg.commits() - before).as("transactions for 336 writes").isLessThan(336);
    }

    @Test
    void twoStoresOnOneDatabaseSeeEachOthersWrites() {
        try (StateStore other = PostgresStateStore.open(postgres.config(database))) {
            long seq = other.append(daemonEvent(tick(), "from the other node"));

            assertThat(store.lastSeq()).isEqualTo(seq);
            assertThat(store.events(0, 10)).extracting(e -> e.message()).contains("from the other node");
        }
    }
}
