package dev.era.store.sqlite;

import dev.era.api.ConflictException;
import dev.era.api.StoreException;
import dev.era.core.Deployment;
import dev.era.core.Event;
import dev.era.core.spi.StateStore;
import dev.era.testing.StateStoreContract;
import dev.era.testing.StoreFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.era.testing.StoreFixtures.daemonEvent;
import static dev.era.testing.StoreFixtures.deployment;
import static dev.era.testing.StoreFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqliteStateStoreTest extends StateStoreContract {
    @TempDir
    Path dir;

    @Override
    protected StateStore newStore() {
        return SqliteStateStore.open(dbFile());
    }

    @Override
    protected StateStore reopenStore() {
        return SqliteStateStore.open(dbFile());
    }

    /** In a directory that does not exist yet, to prove that open() creates it. */
    private Path dbFile() {
        return dir.resolve("data").resolve("era.db");
    }

    private SqliteStateStore sqlite() {
        return (SqliteStateStore) store;
    }

    @Test
    void openCreatesTheFileAndItsParentDirectories() {
        assertThat(dbFile()).isRegularFile();
        assertThat(sqlite().file()).isEqualTo(dbFile().toAbsolutePath());
    }

    @Test
    void theWriterUsesWalWithNormalSyncForeignKeysAndABusyTimeout() {
        List<String> pragmas = sqlite().writer().write(c -> List.of(Connections.pragma(c, "journal_mode"),
                Connections.pragma(c, "synchronous"), Connections.pragma(c, "foreign_keys"),
                Connections.pragma(c, "busy_timeout")));

        // synchronous: 1 is NORMAL
        assertThat(pragmas).containsExactly("wal", "1", "1", String.valueOf(Connections.BUSY_TIMEOUT_MS));
    }

    @Test
    void everyMigrationIsRecordedInSchemaVersion() throws SQLException {
        store.close();
        try (Connection c = raw(dbFile()); var rs = c.createStatement().executeQuery(
                "SELECT version, file FROM schema_version ORDER BY version")) {
            List<String> applied = new ArrayList<>();
            while (rs.next()) {
                applied.add(rs.getInt(1) + " " + rs.getString(2));
            }
            assertThat(applied).containsExactly("1 V001__init.sql", "2 V002__sandboxes.sql", "3 V003__rollouts.sql");
        }
        store = reopenStore();
        assertThat(store.events(0, 10)).isEmpty();
    }

    @Test
    void aVersionOneFileIsUpgradedToSandboxesKeepingItsDeployments() throws SQLException {
        Deployment d = created("acme", "web");
        store.close();
        try (Connection c = raw(dbFile())) {
            c.createStatement().executeUpdate("DROP TABLE snapshots");
            c.createStatement().executeUpdate("DROP TABLE sandboxes");
            c.createStatement().executeUpdate("DELETE FROM schema_version WHERE version = 2");
            for (String column : List.of("port", "rollout_version", "rollout_handle_engine", "rollout_handle",
                    "rollout_pid", "rollout_port", "rollout_reason")) {
                c.createStatement().executeUpdate("ALTER TABLE deployments DROP COLUMN " + column);
            }
            c.createStatement().executeUpdate("DELETE FROM schema_version WHERE version = 3");
        }

        store = reopenStore();
        store.saveSandbox(StoreFixtures.sandbox("sb-0123456789ab", "acme", "dev", tick()));

        assertThat(store.find(d.id())).contains(d);
        assertThat(store.sandboxes()).extracting(s -> s.name()).containsExactly("dev");
    }

    @Test
    void aFileWithANewerSchemaIsRefusedNamingTheFileAndBothVersions() throws SQLException {
        store.close();
        int future = Migrations.latest() + 1;
        try (Connection c = raw(dbFile())) {
            c.createStatement().executeUpdate("INSERT INTO schema_version (version, file, applied_at)"
                    + " VALUES (" + future + ", 'V00" + future + "__from_the_future.sql', 0)");
        }

        assertThatThrownBy(this::reopenStore)
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dbFile().toAbsolutePath().toString())
                .hasMessageContaining("schema version " + future)
                .hasMessageContaining("up to " + Migrations.latest())
                .hasMessageContaining("newer ERA");
        store = SqliteStateStore.open(dir.resolve("other.db")); // something for the contract to close
    }

    @Test
    void aFileThatIsNotADatabaseIsAStoreExceptionNamingThePath() throws Exception {
        Path garbage = dir.resolve("garbage.db");
        Files.write(garbage, "this is not a database, just text. ".repeat(300).getBytes());

        assertThatThrownBy(() -> SqliteStateStore.open(garbage))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(garbage.toString())
                .hasMessageContaining("damaged or is not an ERA database")
                .hasNoSuppressedExceptions();
    }

    @Test
    void aStoredSpecThisBuildCannotReadIsAStoreExceptionNamingTheFile() throws SQLException {
        Deployment d = created("acme", "web");
        try (Connection c = raw(dbFile())) {
            c.createStatement().executeUpdate("UPDATE deployments SET spec = '{\"name\": \"NOT VALID\"}'");
        }

        assertThatThrownBy(() -> store.find(d.id()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(dbFile().toAbsolutePath().toString())
                .hasMessageContaining(d.id().value());
    }

    @Test
    void concurrentWritesShareCommits() throws Exception {
        int writers = 20;
        CountDownLatch release = blockWriter();
        long commitsBefore = sqlite().writer().commits();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> seqs = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String message = "write " + i;
                seqs.add(pool.submit(() -> store.append(daemonEvent(tick0(), message))));
            }
            awaitQueued(writers);
            release.countDown();
            List<Long> done = new ArrayList<>();
            for (Future<Long> f : seqs) {
                done.add(f.get(30, TimeUnit.SECONDS));
            }

            assertThat(done).doesNotHaveDuplicates();
        }
        // One commit for the blocking operation, one for all the queued writes.
        assertThat(sqlite().writer().commits() - commitsBefore).isEqualTo(2).isLessThan(writers);
        assertThat(store.events(0, 100)).hasSize(writers);
    }

    @Test
    void aFailingWriteDoesNotFailTheOthersInItsBatch() throws Exception {
        created("acme", "web");
        List<Event> before = store.events(0, 100);
        CountDownLatch release = blockWriter();
        long commitsBefore = sqlite().writer().commits();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> appends = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String message = "append " + i;
                appends.add(pool.submit(() -> store.append(daemonEvent(tick0(), message))));
            }
            Deployment duplicate = deployment("acme", "web", tick0());
            Future<Long> conflicting = pool.submit(() -> store.create(duplicate, event(duplicate, "created", "dup")));
            awaitQueued(4);
            release.countDown();

            assertThatThrownBy(() -> conflicting.get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ConflictException.class);
            for (Future<Long> f : appends) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isPositive();
            }
            assertThat(store.find(duplicate.id())).isEmpty();
        }
        assertThat(sqlite().writer().commits() - commitsBefore).isEqualTo(2);
        assertThat(store.events(0, 100)).hasSize(before.size() + 3);
    }

    @Test
    void aWriteThatFailsHalfwayIsUndoneAloneAndItsBatchCommits() throws Exception {
        GroupCommitWriter writer = sqlite().writer();
        CountDownLatch release = blockWriter();
        long commitsBefore = writer.commits();
        CompletableFuture<Long> first = writer.submit(SqliteStateStoreTest::rawAppend);
        CompletableFuture<Long> halfway = writer.submit(c -> {
            rawAppend(c);
            throw new SQLException("failed after its first insert (simulated)", "HY000", 1);
        });
        CompletableFuture<Long> last = writer.submit(SqliteStateStoreTest::rawAppend);
        release.countDown();

        assertThat(first.get(30, TimeUnit.SECONDS)).isPositive();
        assertThat(last.get(30, TimeUnit.SECONDS)).isPositive();
        assertThatThrownBy(() -> halfway.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(StoreException.class).hasMessageContaining(dbFile().toAbsolutePath().toString());
        assertThat(store.events(0, 100)).extracting(Event::seq).containsExactly(first.get(), last.get());
        assertThat(writer.commits() - commitsBefore).isEqualTo(2);
    }

    @Test
    void whenSqliteDropsTheTransactionTheOtherWritesAreRunAgain() throws Exception {
        GroupCommitWriter writer = sqlite().writer();
        CountDownLatch release = blockWriter();
        CompletableFuture<Long> first = writer.submit(SqliteStateStoreTest::rawAppend);
        CompletableFuture<Long> dropper = writer.submit(c -> {
            rawAppend(c);
            Connections.exec(c, "ROLLBACK"); // as SQLite itself does on SQLITE_FULL or SQLITE_IOERR
            throw new SQLException("disk full (simulated)", "53100", 13);
        });
        CompletableFuture<Long> last = writer.submit(SqliteStateStoreTest::rawAppend);
        release.countDown();

        assertThat(first.get(30, TimeUnit.SECONDS)).isPositive();
        assertThat(last.get(30, TimeUnit.SECONDS)).isPositive();
        assertThatThrownBy(() -> dropper.get(30, TimeUnit.SECONDS)).cause()
                .isInstanceOf(StoreException.class).hasMessageContaining("disk is full");
        assertThat(store.events(0, 100)).extracting(Event::seq).containsExactly(first.get(), last.get());
    }

    @Test
    void closeCommitsTheWritesAlreadyQueued() throws Exception {
        int writers = 10;
        CountDownLatch release = blockWriter();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> seqs = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                String message = "queued " + i;
                seqs.add(pool.submit(() -> store.append(daemonEvent(tick0(), message))));
            }
            awaitQueued(writers);
            Thread closer = Thread.ofVirtual().start(store::close);
            awaitQueued(writers + 1); // the writes, then close()'s stop marker
            release.countDown();
            closer.join(30_000);
            for (Future<Long> f : seqs) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isPositive();
            }
        }
        store = reopenStore();
        assertThat(store.events(0, 100)).hasSize(writers);
    }

    @Test
    void theMigrationListNamesEveryFileInTheResourceDirectory() throws Exception {
        Path resources = Path.of(Migrations.class.getClassLoader().getResource("db/sqlite").toURI());
        try (var files = Files.list(resources)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .isEqualTo(Migrations.FILES);
        }
        assertThat(Migrations.known()).extracting(Migrations.Migration::version).containsExactly(1, 2, 3);
    }

    @Test
    void migrationFilesSplitIntoStatementsAtLineEndingSemicolons() {
        assertThat(Migrations.statements("""
                -- a comment; with a semicolon
                CREATE TABLE a (x TEXT DEFAULT ';');
                CREATE INDEX a_x ON a (x) ;

                CREATE TABLE b (y INTEGER)""")).containsExactly(
                "CREATE TABLE a (x TEXT DEFAULT ';')", "CREATE INDEX a_x ON a (x)", "CREATE TABLE b (y INTEGER)");
    }

    /** Occupies the writer thread until the returned latch is released, so that writes pile up. */
    private CountDownLatch blockWriter() throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        sqlite().writer().submit(c -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        return release;
    }

    private void awaitQueued(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sqlite().writer().queued() < n) {
            assertThat(System.nanoTime()).as("%d writes queued in time", n).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    /** A fixed instant, for writes from many threads (tick() is for the test thread only). */
    private static Instant tick0() {
        return StoreFixtures.T0;
    }

    private static long rawAppend(Connection c) throws SQLException {
        try (var rs = c.createStatement().executeQuery("INSERT INTO events (at, tenant, deployment, name, type,"
                + " state, message, details) VALUES (0, '', '', '', 'raw', '', 'raw', '{}') RETURNING seq")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection raw(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }
}
