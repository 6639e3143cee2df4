package dev.era.testing;

import dev.era.api.ConflictException;
import dev.era.api.DeploymentId;
import dev.era.api.EngineHandle;
import dev.era.api.NotFoundException;
import dev.era.api.Resources;
import dev.era.api.StoreException;
import dev.era.core.ApiKey;
import dev.era.core.Deployment;
import dev.era.core.Event;
import dev.era.core.Health;
import dev.era.core.LifecycleState;
import dev.era.core.Rollout;
import dev.era.core.SandboxRecord;
import dev.era.core.Snapshot;
import dev.era.core.SpecVersion;
import dev.era.core.spi.StateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.era.testing.StoreFixtures.apiKey;
import static dev.era.testing.StoreFixtures.daemonEvent;
import static dev.era.testing.StoreFixtures.deployment;
import static dev.era.testing.StoreFixtures.event;
import static dev.era.testing.StoreFixtures.fullSpec;
import static dev.era.testing.StoreFixtures.sandbox;
import static dev.era.testing.StoreFixtures.snapshot;
import static dev.era.testing.StoreFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link StateStore} must do. A store module extends this class, says how to open an
 * empty store and how to reopen it, and adds tests of its own. Instants used here are whole
 * milliseconds: a store keeps at least that precision.
 */
public abstract class StateStoreContract {
    private static final int ALL = Integer.MAX_VALUE;

    /** The store under test: opened before each test by {@link #newStore()}, closed after it. */
    protected StateStore store;
    private Instant clock = StoreFixtures.T0;

    /** Opens a store that holds no data. Called once at the start of each test. */
    protected abstract StateStore newStore();

    /** Opens again the data of the store last opened, after the contract closed it (a daemon restart). */
    protected abstract StateStore reopenStore();

    @BeforeEach
    final void openStore() {
        store = newStore();
    }

    @AfterEach
    final void closeStore() {
        store.close();
    }

    /** A later instant each call, one millisecond apart. */
    protected final Instant tick() {
        clock = clock.plusMillis(1);
        return clock;
    }

    /** Closes the store and opens it again on the same data, as a daemon restart does. */
    protected final void restart() {
        store.close();
        store = reopenStore();
    }

    /** Creates a deployment with its creation event and returns it as stored. */
    protected final Deployment created(String tenant, String name) {
        Deployment d = deployment(tenant, name, tick());
        store.create(d, event(d, "created", "created " + name));
        return d;
    }

    @Test
    void createdDeploymentIsFoundByIdAndByName() {
        Deployment d = deployment("acme", "web", tick());
        long seq = store.create(d, event(d, "created", "created web"));

        assertThat(seq).isPositive();
        assertThat(store.find(d.id())).contains(d);
        assertThat(store.findByName("acme", "web")).contains(d);
    }

    @Test
    void unknownIdsAndNamesAndOtherTenantsNamesAreNotFound() {
        created("acme", "web");

        assertThat(store.find(DeploymentId.random())).isEmpty();
        assertThat(store.findByName("acme", "api")).isEmpty();
        assertThat(store.findByName("globex", "web")).isEmpty();
        assertThat(store.versions(DeploymentId.random())).isEmpty();
    }

    @Test
    void deploymentsAreListedInCreationOrderAcrossTenants() {
        Deployment c = created("acme", "c");
        Deployment b = created("globex", "b");
        Deployment a = created("acme", "a");
        store.transition(c.withState(LifecycleState.RUNNING, "", tick()), event(c, "transition", "running"));

        assertThat(store.deployments()).extracting(Deployment::id).containsExactly(c.id(), b.id(), a.id());
    }

    @Test
    void sameNameInAnotherTenantIsAllowed() {
        Deployment mine = created("acme", "web");
        Deployment theirs = created("globex", "web");

        assertThat(store.findByName("acme", "web")).contains(mine);
        assertThat(store.findByName("globex", "web")).contains(theirs);
    }

    @Test
    void duplicateNameInTenantIsAConflictAndWritesNothing() {
        Deployment first = created("acme", "web");
        List<Deployment> deploymentsBefore = store.deployments();
        List<Event> eventsBefore = store.events(0, ALL);
        Deployment second = deployment("acme", "web", tick());

        assertThatThrownBy(() -> store.create(second, event(second, "created", "created again")))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("acme").hasMessageContaining("web")
                .hasMessageContaining("another name").hasMessageContaining("delete");

        assertThat(store.find(second.id())).isEmpty();
        assertThat(store.versions(second.id())).isEmpty();
        assertThat(store.deployments()).isEqualTo(deploymentsBefore);
        assertThat(store.events(0, ALL)).isEqualTo(eventsBefore);
        assertThat(store.findByName("acme", "web")).contains(first);
    }

    @Test
    void createStoresVersionOneAndAppendsItsEvent() {
        Deployment d = deployment("acme", "web", tick());
        Event e = event(d, "created", "created web");
        long seq = store.create(d, e);

        assertThat(store.versions(d.id())).containsExactly(new SpecVersion(d.id(), 1, d.spec(), d.createdAt()));
        assertThat(store.events(0, ALL)).containsExactly(e.withSeq(seq));
    }

    @Test
    void lastSeqIsZeroForAnEmptyLogThenTheNewestEventsSeq() {
        assertThat(store.lastSeq()).isZero();
        Deployment d = deployment("acme", "web", tick());
        store.create(d, event(d, "created", "created web"));
        long seq = store.append(event(d, "note", "later"));

        assertThat(store.lastSeq()).isEqualTo(seq);
    }

    @Test
    void transitionReplacesTheRowAndAppendsAnEventWithAHigherSeq() {
        Deployment d = deployment("acme", "web", tick());
        long createSeq = store.create(d, event(d, "created", "created"));
        Deployment running = d.withState(LifecycleState.RUNNING, "", tick())
                .withHandle(new EngineHandle("process", new byte[]{1, 2, 3}), 4242)
                .withHealth(Health.HEALTHY)
                .withExit(137, 2, "restarted after exit 137");
        Event e = event(running, "transition", "running");

        long seq = store.transition(running, e);

        assertThat(seq).isGreaterThan(createSeq);
        assertThat(store.find(d.id())).contains(running);
        assertThat(store.events(createSeq, ALL)).containsExactly(e.withSeq(seq));
    }

    @Test
    void transitionOfAnUnknownDeploymentIsNotFoundAndWritesNothing() {
        created("acme", "web");
        List<Event> eventsBefore = store.events(0, ALL);
        Deployment ghost = deployment("acme", "ghost", tick());

        assertThatThrownBy(() -> store.transition(ghost, event(ghost, "transition", "boo")))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining(ghost.id().value());

        assertThat(store.find(ghost.id())).isEmpty();
        assertThat(store.events(0, ALL)).isEqualTo(eventsBefore);
    }

    @Test
    void anUpdateInFlightIsKeptWithTheStateAndClearedWithIt() {
        Deployment d = created("acme", "web");
        SpecVersion v2 = new SpecVersion(d.id(), 2, fullSpec("web"), tick());
        store.addVersion(d.withPort(41001), v2, event(d, "version", "version 2"));
        Rollout r = new Rollout(2, new EngineHandle("process", new byte[] {9, 8, 7}), 4242, 41002,
                "update to version 2");
        Deployment updating = store.find(d.id()).orElseThrow().withRollout(r)
                .withState(LifecycleState.UPDATING, "START_CANDIDATE", tick());

        store.transition(updating, event(updating, "transition", "RUNNING -> UPDATING"));

        Deployment read = store.find(d.id()).orElseThrow();
        assertThat(read).isEqualTo(updating);
        assertThat(read.rollout().handle().data()).containsExactly(9, 8, 7);
        assertThat(read.port()).isEqualTo(41001);

        Deployment done = read.withVersion(2, v2.spec()).withPort(41002).withRollout(Rollout.NONE)
                .withState(LifecycleState.RUNNING, "", tick());
        store.transition(done, event(done, "transition", "CUTTING_OVER -> RUNNING"));
        assertThat(store.find(d.id())).contains(done);
        assertThat(store.find(d.id()).orElseThrow().rollout().active()).isFalse();
        assertThat(store.versions(d.id())).extracting(SpecVersion::version).containsExactly(1, 2);
    }

    @Test
    void addVersionKeepsEveryVersionAndUpdatesTheRow() {
        Deployment d = created("acme", "web");
        SpecVersion v2 = new SpecVersion(d.id(), 2, fullSpec("web"), tick());
        Deployment updated = d.withVersion(2, v2.spec()).withState(LifecycleState.FETCHING, "fetch", v2.createdAt());
        Event e = event(updated, "update", "version 2");

        long seq = store.addVersion(updated, v2, e);

        assertThat(store.versions(d.id())).containsExactly(
                new SpecVersion(d.id(), 1, d.spec(), d.createdAt()), v2);
        assertThat(store.find(d.id())).contains(updated);
        assertThat(store.events(0, ALL)).last().isEqualTo(e.withSeq(seq));
    }

    @Test
    void addVersionMustBeNumberedAboveEveryExistingVersionAndWritesNothingOtherwise() {
        Deployment d = created("acme", "web");
        SpecVersion v3 = new SpecVersion(d.id(), 3, spec("web"), tick());
        store.addVersion(d.withVersion(3, v3.spec()), v3, event(d, "update", "version 3"));
        Deployment before = store.find(d.id()).orElseThrow();
        List<SpecVersion> versionsBefore = store.versions(d.id());
        List<Event> eventsBefore = store.events(0, ALL);

        for (int n : new int[]{1, 2, 3}) {
            SpecVersion stale = new SpecVersion(d.id(), n, fullSpec("web"), tick());
            assertThatThrownBy(() -> store.addVersion(d.withVersion(n, stale.spec()), stale,
                    event(d, "update", "version " + n)))
                    .isInstanceOf(ConflictException.class)
                    .hasMessageContaining(d.id().value()).hasMessageContaining("3");
        }

        assertThat(store.find(d.id())).contains(before);
        assertThat(store.versions(d.id())).isEqualTo(versionsBefore);
        assertThat(store.events(0, ALL)).isEqualTo(eventsBefore);
        SpecVersion v4 = new SpecVersion(d.id(), 4, fullSpec("web"), tick());
        store.addVersion(d.withVersion(4, v4.spec()), v4, event(d, "update", "version 4"));
        assertThat(store.versions(d.id())).extracting(SpecVersion::version).containsExactly(1, 3, 4);
    }

    @Test
    void addVersionThatFailsHalfwayWritesNothing() {
        Deployment web = created("acme", "web");
        created("acme", "api");
        List<Event> eventsBefore = store.events(0, ALL);
        SpecVersion v2 = new SpecVersion(web.id(), 2, spec("api"), tick());
        // Valid version, but the row update renames web onto api, which the tenant already has.
        Deployment clash = new Deployment(web.id(), "acme", "api", 2, v2.spec(), web.state(), "", web.handle(),
                0, web.health(), 0, -1, "", web.createdAt(), v2.createdAt());

        assertThatThrownBy(() -> store.addVersion(clash, v2, event(clash, "update", "version 2")))
                .isInstanceOf(ConflictException.class);

        assertThat(store.versions(web.id())).extracting(SpecVersion::version).containsExactly(1);
        assertThat(store.find(web.id())).contains(web);
        assertThat(store.events(0, ALL)).isEqualTo(eventsBefore);
    }

    @Test
    void addVersionOfAnUnknownDeploymentIsNotFound() {
        Deployment ghost = deployment("acme", "ghost", tick());
        SpecVersion v2 = new SpecVersion(ghost.id(), 2, spec("ghost"), tick());

        assertThatThrownBy(() -> store.addVersion(ghost, v2, event(ghost, "update", "v2")))
                .isInstanceOf(NotFoundException.class);
        assertThat(store.versions(ghost.id())).isEmpty();
        assertThat(store.events(0, ALL)).isEmpty();
    }

    @Test
    void purgeRemovesTheDeploymentAndItsVersionsButKeepsItsEvents() {
        Deployment d = created("acme", "web");
        SpecVersion v2 = new SpecVersion(d.id(), 2, fullSpec("web"), tick());
        store.addVersion(d.withVersion(2, v2.spec()), v2, event(d, "update", "version 2"));
        Deployment other = created("acme", "api");
        List<Event> eventsBefore = store.events(0, ALL);
        Event gone = event(d, "deleted", "deleted web");

        long seq = store.purge(d.id(), gone);

        assertThat(store.find(d.id())).isEmpty();
        assertThat(store.findByName("acme", "web")).isEmpty();
        assertThat(store.versions(d.id())).isEmpty();
        assertThat(store.deployments()).containsExactly(other);
        List<Event> expected = new ArrayList<>(eventsBefore);
        expected.add(gone.withSeq(seq));
        assertThat(store.events(0, ALL)).isEqualTo(expected);
        Deployment again = created("acme", "web");
        assertThat(store.findByName("acme", "web")).contains(again);
    }

    @Test
    void purgeOfAnUnknownDeploymentIsNotFoundAndWritesNothing() {
        DeploymentId ghost = DeploymentId.random();

        assertThatThrownBy(() -> store.purge(ghost, daemonEvent(tick(), "purge")))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining(ghost.value());
        assertThat(store.events(0, ALL)).isEmpty();
    }

    @Test
    void appendedEventsComeBackWithEveryFieldAndIncreasingSeq() {
        Event daemon = new Event(0, tick(), "", "", "", "daemon", "", "daemon started",
                Map.of("version", "0.1.0", "note", "quotes \" and\nnew lines"));
        Deployment d = created("acme", "web");
        Event exit = new Event(0, tick(), "acme", d.id().value(), "web", "exit", "BACKING_OFF", "exited with 1",
                Map.of("exitCode", "1"));
        List<Event> before = store.events(0, ALL);

        long first = store.append(daemon);
        long second = store.append(exit);

        assertThat(first).isGreaterThan(before.getLast().seq());
        assertThat(second).isGreaterThan(first);
        assertThat(store.events(before.getLast().seq(), ALL)).containsExactly(daemon.withSeq(first), exit.withSeq(second));
    }

    @Test
    void eventsArePagedAfterASequenceNumber() {
        List<Long> appended = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            appended.add(store.append(daemonEvent(tick(), "event " + i)));
        }

        List<Long> paged = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        long after = 0;
        for (List<Event> page = store.events(after, 10); !page.isEmpty(); page = store.events(after, 10)) {
            pageSizes.add(page.size());
            page.forEach(e -> paged.add(e.seq()));
            after = page.getLast().seq();
        }

        assertThat(pageSizes).containsExactly(10, 10, 5);
        assertThat(paged).isEqualTo(appended);
        assertThat(store.events(appended.get(4), 3)).extracting(Event::message)
                .containsExactly("event 5", "event 6", "event 7");
        assertThat(store.events(0, 0)).isEmpty();
        assertThat(store.events(appended.getLast(), 10)).isEmpty();
    }

    @Test
    void apiKeysAreFoundBySha256() {
        ApiKey ops = apiKey("k-ops", "acme", "a".repeat(64), tick());
        ApiKey ci = apiKey("k-ci", "globex", "b".repeat(64), tick());
        store.saveApiKey(ops);
        store.saveApiKey(ci);

        assertThat(store.apiKeyBySha256("a".repeat(64))).contains(ops);
        assertThat(store.apiKeyBySha256("b".repeat(64))).contains(ci);
        assertThat(store.apiKeyBySha256("c".repeat(64))).isEmpty();
        assertThat(store.apiKeys()).containsExactlyInAnyOrder(ops, ci);
    }

    @Test
    void aSecondApiKeyWithTheSameSha256IsAConflict() {
        ApiKey first = apiKey("k-1", "acme", "a".repeat(64), tick());
        store.saveApiKey(first);

        assertThatThrownBy(() -> store.saveApiKey(apiKey("k-2", "globex", "a".repeat(64), tick())))
                .isInstanceOf(ConflictException.class);
        assertThat(store.apiKeys()).containsExactly(first);
    }

    @Test
    void everythingWrittenSurvivesCloseAndReopen() {
        Deployment web = created("acme", "web");
        SpecVersion v2 = new SpecVersion(web.id(), 2, fullSpec("web"), tick());
        Deployment webV2 = web.withVersion(2, v2.spec()).withState(LifecycleState.RUNNING, "", v2.createdAt())
                .withHandle(new EngineHandle("process", new byte[]{9, 8, 7}), 77);
        store.addVersion(webV2, v2, event(webV2, "update", "version 2"));
        Deployment doomed = created("globex", "doomed");
        store.purge(doomed.id(), event(doomed, "deleted", "deleted"));
        ApiKey key = apiKey("k-1", "acme", "f".repeat(64), tick());
        store.saveApiKey(key);
        store.append(daemonEvent(tick(), "last words"));
        List<Event> events = store.events(0, ALL);
        List<SpecVersion> versions = store.versions(web.id());

        restart();

        assertThat(store.deployments()).containsExactly(webV2);
        assertThat(store.versions(web.id())).isEqualTo(versions);
        assertThat(store.find(doomed.id())).isEmpty();
        assertThat(store.events(0, ALL)).isEqualTo(events);
        assertThat(store.apiKeyBySha256(key.sha256())).contains(key);
        long next = store.append(daemonEvent(tick(), "after restart"));
        assertThat(next).isGreaterThan(events.getLast().seq());
    }

    @Test
    void concurrentWritersAreAllCommittedWithUniqueIncreasingSeqs() throws Exception {
        int threads = 8;
        int appendsPerThread = 25;
        Instant at = tick();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Long>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                String tenant = "tenant-" + t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<Long> seqs = new ArrayList<>();
                    Deployment d = deployment(tenant, "app", at);
                    seqs.add(store.create(d, event(d, "created", "created")));
                    for (int i = 0; i < appendsPerThread; i++) {
                        seqs.add(store.append(daemonEvent(at, tenant + " event " + i)));
                    }
                    Deployment running = d.withState(LifecycleState.RUNNING, "", at);
                    seqs.add(store.transition(running, event(running, "transition", "running")));
                    return seqs;
                }));
            }
            start.countDown();
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : results) {
                List<Long> seqs = f.get(60, TimeUnit.SECONDS);
                assertThat(seqs).as("one thread's seqs, in the order its writes returned")
                        .isSorted().doesNotHaveDuplicates();
                all.addAll(seqs);
            }

            assertThat(all).hasSize(threads * (appendsPerThread + 2)).doesNotHaveDuplicates();
            assertThat(store.events(0, ALL)).extracting(Event::seq)
                    .containsExactlyElementsOf(all.stream().sorted().toList());
            assertThat(store.deployments()).hasSize(threads)
                    .allSatisfy(d -> assertThat(d.state()).isEqualTo(LifecycleState.RUNNING));
        }
    }

    @Test
    void handleBytesRoundTripAndAnEmptyEngineMeansNoHandle() {
        byte[] every = new byte[256];
        for (int i = 0; i < every.length; i++) {
            every[i] = (byte) i;
        }
        Deployment d = created("acme", "web");
        Deployment handled = d.withHandle(new EngineHandle("oci", every), 1);
        store.transition(handled, event(handled, "transition", "started"));

        assertThat(store.find(d.id()).orElseThrow().handle().data()).isEqualTo(every);
        assertThat(store.find(d.id()).orElseThrow().engineHandle()).contains(new EngineHandle("oci", every));

        Deployment released = handled.withHandle(Deployment.NO_HANDLE, 0);
        store.transition(released, event(released, "transition", "stopped"));
        assertThat(store.find(d.id()).orElseThrow().engineHandle()).isEmpty();
        assertThat(store.find(d.id())).contains(released);
    }

    @Test
    void everySpecFieldRoundTrips() {
        Instant at = tick();
        Deployment d = new Deployment(DeploymentId.random(), "acme", "full", 1, fullSpec("full"),
                LifecycleState.VALIDATING, "validate", Deployment.NO_HANDLE, 0, Health.UNKNOWN, 0, -1,
                "a message with 'quotes' and ünïcode", at, at);
        store.create(d, event(d, "created", "created"));

        assertThat(store.find(d.id())).contains(d);
        assertThat(store.versions(d.id())).singleElement()
                .satisfies(v -> assertThat(v.spec()).isEqualTo(fullSpec("full")));
    }

    @Test
    void aClosedStoreRefusesWritesAndReadsAndClosingTwiceIsHarmless() {
        created("acme", "web");
        store.close();

        assertThatThrownBy(() -> store.append(daemonEvent(tick(), "too late"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.events(0, 10)).isInstanceOf(StoreException.class);
        store.close();
    }

    // ---------------------------------------------------------------- sandboxes and snapshots

    @Test
    void savedSandboxesComeBackWithEveryFieldInCreationOrder() {
        SandboxRecord second = sandbox("sb-00000000000b", "globex", "b", tick());
        SandboxRecord first = sandbox("sb-00000000000a", "acme", "a", StoreFixtures.T0.minusSeconds(60));
        store.saveSandbox(second);
        store.saveSandbox(first);

        assertThat(store.sandboxes()).containsExactly(first, second);
    }

    @Test
    void savingASandboxAgainReplacesItsRowAsAClaimFromTheWarmPoolDoes() {
        SandboxRecord pooled = new SandboxRecord("sb-00000000000c", SandboxRecord.POOL, "", "process", "",
                Resources.UNLIMITED, "none", Map.of(), Map.of(), Duration.ZERO, "", true, tick());
        store.saveSandbox(pooled);
        SandboxRecord claimed = sandbox(pooled.id(), "acme", "dev", tick());
        store.saveSandbox(claimed);

        assertThat(store.sandboxes()).containsExactly(claimed);
    }

    @Test
    void aSecondSandboxWithTheSameNameInATenantIsAConflictButUnnamedOnesAndOtherTenantsAreNot() {
        store.saveSandbox(sandbox("sb-00000000000a", "acme", "dev", tick()));
        store.saveSandbox(sandbox("sb-00000000000b", "globex", "dev", tick()));
        store.saveSandbox(sandbox("sb-00000000000c", "acme", "", tick()));
        store.saveSandbox(sandbox("sb-00000000000d", "acme", "", tick()));

        assertThatThrownBy(() -> store.saveSandbox(sandbox("sb-00000000000e", "acme", "dev", tick())))
                .isInstanceOf(ConflictException.class).hasMessageContaining("dev");
        assertThat(store.sandboxes()).hasSize(4);
    }

    @Test
    void deletedSandboxesAndSnapshotsAreGoneAndDeletingUnknownIdsIsHarmless() {
        store.saveSandbox(sandbox("sb-00000000000a", "acme", "a", tick()));
        store.saveSnapshot(snapshot("snap-00000000000a", "acme", "sb-00000000000a", tick()));

        store.deleteSandbox("sb-00000000000a");
        store.deleteSnapshot("snap-00000000000a");
        store.deleteSandbox("sb-0000000000ff");
        store.deleteSnapshot("snap-0000000000ff");

        assertThat(store.sandboxes()).isEmpty();
        assertThat(store.snapshots()).isEmpty();
    }

    @Test
    void snapshotsComeBackWithEveryFieldAndTheirLatestStatus() {
        Snapshot writing = new Snapshot("snap-00000000000a", "acme", "sb-00000000000a", "nightly", "in_progress", 0,
                "", "", tick());
        store.saveSnapshot(writing);
        Snapshot done = new Snapshot(writing.id(), "acme", writing.sandboxId(), "nightly", "complete", 42L << 20,
                "file:/var/lib/era/snapshots/acme/snap-00000000000a.tar", "", writing.createdAt());
        store.saveSnapshot(done);
        Snapshot other = snapshot("snap-00000000000b", "globex", "sb-00000000000b", tick());
        store.saveSnapshot(other);

        assertThat(store.snapshots()).containsExactly(done, other);
    }

    @Test
    void sandboxesAndSnapshotsSurviveCloseAndReopen() {
        SandboxRecord s = sandbox("sb-00000000000a", "acme", "a", tick());
        Snapshot snap = snapshot("snap-00000000000a", "acme", s.id(), tick());
        store.saveSandbox(s);
        store.saveSnapshot(snap);

        restart();

        assertThat(store.sandboxes()).containsExactly(s);
        assertThat(store.snapshots()).containsExactly(snap);
    }
}
