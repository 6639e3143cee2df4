package dev.era.core;

import dev.era.api.IllegalTransitionException;
import dev.era.api.InvalidSpecException;
import dev.era.api.NotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static dev.era.core.LifecycleState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RolloutTest {
    static final String BLUE_GREEN = "update: {strategy: blue-green, healthyDeadline: 10s, minHealthyTime: 2s}\n";
    static final String RECREATE = "update: {strategy: recreate, healthyDeadline: 10s, minHealthyTime: 2s}\n";

    @TempDir
    Path dir;
    Fixture f;

    @BeforeEach
    void setUp() {
        f = Fixture.create(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    static Deployment running(Fixture f, String name, String extra) {
        f.deploy(name, extra);
        return f.until(name, RUNNING);
    }

    static Deployment update(Fixture f, String name, String extra, String marker) {
        return f.manager.update(Caller.ADMIN, name, Fixture.spec(name, extra + "env: {V: " + marker + "}\n"));
    }

    /** Waits for the minHealthyTime timers on the manual clock. */
    static Deployment settleOn(Fixture f, String name, int version) {
        return f.advanceUntil(name, Duration.ofMillis(500), x -> x.state() == RUNNING && x.version() == version
                && x.pendingAction().isEmpty());
    }

    @Test
    void blueGreenUpdateStartsTheNewVersionBesideTheOldThenCutsOverAndStopsTheOld() {
        Deployment d = running(f, "bg", BLUE_GREEN);
        update(f, "bg", BLUE_GREEN, "two");
        f.until("bg", VERIFYING);
        assertThat(f.engine.versionsRunning(d.id())).containsExactly(1, 2);

        Deployment after = settleOn(f, "bg", 2);

        assertThat(f.engine.versionsRunning(d.id())).containsExactly(2);
        assertThat(after.rollout().active()).isFalse();
        assertThat(after.spec().env()).containsEntry("V", "two");
        assertThat(f.manager.versions(Caller.ADMIN, "bg")).extracting(SpecVersion::version).containsExactly(1, 2);
        assertThat(f.store.events(0, 1000)).extracting(Event::state)
                .containsSubsequence("UPDATING", "VERIFYING", "CUTTING_OVER", "RUNNING");
        assertThat(after.message()).contains("version 2 serves").contains("version 1 stopped");
    }

    @Test
    void anUnchangedSpecMakesNoVersion() {
        running(f, "same", BLUE_GREEN);
        f.manager.update(Caller.ADMIN, "same", Fixture.spec("same", BLUE_GREEN));
        assertThat(f.manager.versions(Caller.ADMIN, "same")).hasSize(1);
        assertThat(f.get("same").state()).isEqualTo(RUNNING);
    }

    @Test
    void aNewVersionThatExitsBeforeItIsAcceptedIsRolledBackWhileTheOldKeepsRunning() {
        Deployment d = running(f, "bad", BLUE_GREEN);
        long oldPid = f.engine.pidOf(d.id());
        update(f, "bad", BLUE_GREEN, "broken");
        f.until("bad", VERIFYING);
        f.engine.exit(d.id(), 2, 1);

        Deployment back = f.until("bad", x -> x.state() == RUNNING && x.pendingAction().isEmpty());

        assertThat(back.version()).isEqualTo(1);
        assertThat(back.pid()).isEqualTo(oldPid);
        assertThat(f.engine.versionsRunning(d.id())).containsExactly(1);
        assertThat(back.message()).contains("rolled back").contains("version 1 kept serving")
                .contains("exited with code 1");
        assertThat(f.manager.versions(Caller.ADMIN, "bad")).hasSize(2);
    }

    @Test
    void aNewVersionThatIsNotHealthyWithinTheDeadlineIsRolledBack() {
        String probe = "health: {exec: {command: [sh, -c, 'exit 1']}, interval: 1s, failureThreshold: 100}\n";
        Deployment d = running(f, "slow", BLUE_GREEN);
        update(f, "slow", RECREATE.replace("recreate", "blue-green") + probe, "v2");
        Deployment back = f.advanceUntil("slow", Duration.ofSeconds(1), x -> x.state() == RUNNING
                && x.pendingAction().isEmpty());
        assertThat(back.version()).isEqualTo(1);
        assertThat(back.message()).contains("rolled back").containsAnyOf("healthyDeadline", "health check");
        assertThat(f.engine.versionsRunning(d.id())).containsExactly(1);
    }

    @Test
    void recreateStopsTheOldFirstAndStartsItAgainWhenTheNewOneFails() {
        Deployment d = running(f, "rc", RECREATE);
        f.engine.dieAtStart.add("rc:2");
        update(f, "rc", RECREATE, "dies");
        Deployment back = f.until("rc", x -> x.state() == RUNNING && x.pendingAction().isEmpty() && x.version() == 1
                && f.store.events(0, 1000).stream().anyMatch(e -> e.message().contains("RESTORE")));
        assertThat(f.engine.versionsRunning(d.id())).containsExactly(1);
        assertThat(back.rollout().active()).isFalse();
    }

    @Test
    void manualRollbackReturnsToTheNamedVersionWithoutAddingOne() {
        Deployment d = running(f, "rb", BLUE_GREEN);
        update(f, "rb", BLUE_GREEN, "two");
        settleOn(f, "rb", 2);
        update(f, "rb", BLUE_GREEN, "three");
        settleOn(f, "rb", 3);

        f.manager.rollback(Caller.ADMIN, "rb", 1);
        Deployment back = settleOn(f, "rb", 1);

        assertThat(back.spec().env()).doesNotContainKey("V");
        assertThat(f.engine.versionsRunning(d.id())).containsExactly(1);
        assertThat(f.manager.versions(Caller.ADMIN, "rb")).hasSize(3);
        assertThatThrownBy(() -> f.manager.rollback(Caller.ADMIN, "rb", 0))
                .isInstanceOf(dev.era.api.ConflictException.class).hasMessageContaining("no earlier version");
        assertThatThrownBy(() -> f.manager.rollback(Caller.ADMIN, "rb", 9)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("no version 9");
    }

    @Test
    void badUpdatesAreRefusedAndStoreNothing() {
        running(f, "web", BLUE_GREEN);
        int events = f.store.events(0, 1000).size();
        assertThatThrownBy(() -> f.manager.update(Caller.ADMIN, "web", Fixture.spec("other", "")))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("a new name is a new deployment");
        assertThatThrownBy(() -> f.manager.update(Caller.ADMIN, "nope", Fixture.spec("nope", "")))
                .isInstanceOf(NotFoundException.class);
        update(f, "web", BLUE_GREEN, "a");
        f.until("web", VERIFYING);
        int versions = f.manager.versions(Caller.ADMIN, "web").size();
        assertThatThrownBy(() -> update(f, "web", BLUE_GREEN, "b")).isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("VERIFYING");
        assertThat(f.manager.versions(Caller.ADMIN, "web")).hasSize(versions);
        assertThat(f.store.events(0, 1000).size()).isGreaterThan(events);
    }

    @Test
    void aStoppedDeploymentTakesTheNewVersionAtItsNextStart() {
        running(f, "st", BLUE_GREEN);
        f.manager.stop(Caller.ADMIN, "st");
        f.until("st", STOPPED);
        update(f, "st", BLUE_GREEN, "next");
        assertThat(f.until("st", STOPPED).version()).isEqualTo(2);
        f.manager.start(Caller.ADMIN, "st");
        assertThat(f.until("st", RUNNING).spec().env()).containsEntry("V", "next");
    }

    @Test
    void anUpdateInFlightAtACrashIsFinishedAfterTheRestart() {
        Deployment d = running(f, "cr", BLUE_GREEN);
        update(f, "cr", BLUE_GREEN, "two");
        f.until("cr", VERIFYING);
        f.crash();
        f.start();
        settleOn(f, "cr", 2);
        assertThat(f.engine.versionsRunning(d.id())).containsExactly(2);
    }

    @Test
    void deletingDuringAnUpdateStopsBothVersions() {
        Deployment d = running(f, "gone", BLUE_GREEN);
        update(f, "gone", BLUE_GREEN, "two");
        f.until("gone", VERIFYING);
        f.manager.delete(Caller.ADMIN, "gone");
        f.untilGone("gone");
        assertThat(f.engine.versionsRunning(d.id())).isEmpty();
    }

    @Test
    void everyRowOfTheUpdateTableIsVisited() {
        tour(f);
        List<String> rows = LifecycleTable.all().values().stream()
                .filter(t -> t.from() == UPDATING || t.from() == VERIFYING || t.from() == CUTTING_OVER
                        || t.from() == ROLLING_BACK || t.event() == LifecycleEvent.UPDATE_REQUESTED)
                .filter(t -> !f.visited.contains(t)).map(t -> t.from() + "+" + t.event()).toList();
        assertThat(rows).isEmpty();
    }

    /** Visits every row about updates; TableTour runs it too. */
    static void tour(Fixture f) {
        // RUNNING+UPDATE, UPDATING+STARTED, VERIFYING+HEALTHY, CUTTING_OVER+DONE
        Deployment a = running(f, "t-bg", BLUE_GREEN);
        update(f, "t-bg", BLUE_GREEN, "two");
        settleOn(f, "t-bg", 2);
        // VERIFYING+CANDIDATE_FAILED, ROLLING_BACK+ROLLED_BACK
        update(f, "t-bg", BLUE_GREEN, "three");
        f.until("t-bg", VERIFYING);
        f.engine.exit(a.id(), 3, 1);
        f.until("t-bg", x -> x.state() == RUNNING && x.pendingAction().isEmpty());
        // UPDATING+CANDIDATE_FAILED, ROLLING_BACK+RESTORE
        running(f, "t-rc", RECREATE);
        f.engine.dieAtStart.add("t-rc:2");
        update(f, "t-rc", RECREATE, "dies");
        f.until("t-rc", x -> x.state() == RUNNING && x.pendingAction().isEmpty() && x.version() == 1);
        // UPDATING+OP_FAILED
        f.engine.failing.add("install");
        update(f, "t-rc", RECREATE, "no-install");
        f.until("t-rc", x -> x.state() == RUNNING && x.pendingAction().isEmpty() && x.version() == 1
                && f.store.events(0, 10_000).stream().anyMatch(e -> e.message().contains("install failed")));
        f.engine.failing.remove("install");
        // VERIFYING+OP_FAILED: the new version's spec cannot be read when its checks are armed
        f.pauseOn(VERIFYING);
        update(f, "t-bg", BLUE_GREEN, "four");
        f.until("t-bg", VERIFYING);
        f.store.failVersionReads.set(1);
        f.release();
        f.until("t-bg", x -> x.state() == RUNNING && x.pendingAction().isEmpty() && x.version() == 2);
        // ROLLING_BACK+OP_FAILED: and not when the rollback removes it either
        f.pauseOn(VERIFYING);
        update(f, "t-bg", BLUE_GREEN, "five");
        f.until("t-bg", VERIFYING);
        f.store.failVersionReads.set(2);
        f.release();
        f.until("t-bg", x -> x.state() == FAILED && x.pendingAction().isEmpty());
        // FAILED+UPDATE_REQUESTED, then STOPPED+UPDATE_REQUESTED
        update(f, "t-bg", BLUE_GREEN, "six");
        f.until("t-bg", x -> x.state() == FAILED && x.spec().env().get("V").equals("six"));
        f.manager.start(Caller.ADMIN, "t-bg");
        f.until("t-bg", RUNNING);
        f.manager.stop(Caller.ADMIN, "t-bg");
        f.until("t-bg", STOPPED);
        update(f, "t-bg", BLUE_GREEN, "seven");
        f.manager.start(Caller.ADMIN, "t-bg");
        f.until("t-bg", RUNNING);
        // CUTTING_OVER+OP_FAILED
        f.pauseOn(CUTTING_OVER);
        update(f, "t-bg", BLUE_GREEN, "eight");
        f.advanceUntil("t-bg", Duration.ofMillis(500), x -> x.state() == CUTTING_OVER);
        f.store.failVersionReads.set(1);
        f.release();
        f.until("t-bg", x -> x.state() == FAILED && x.pendingAction().isEmpty());
        f.manager.start(Caller.ADMIN, "t-bg");
        f.until("t-bg", RUNNING);
        // UPDATING+STOP, VERIFYING+STOP, and the deletes of every update state
        f.engine.gates.put("install", new CountDownLatch(1));
        update(f, "t-bg", BLUE_GREEN, "held");
        f.until("t-bg", UPDATING);
        var stopped = java.util.concurrent.CompletableFuture.supplyAsync(() -> f.manager.stop(Caller.ADMIN, "t-bg"));
        pause(50);
        f.engine.gates.remove("install").countDown();
        stopped.join();
        f.until("t-bg", STOPPED);
        f.manager.start(Caller.ADMIN, "t-bg");
        f.until("t-bg", RUNNING);
        update(f, "t-bg", BLUE_GREEN, "checked");
        f.until("t-bg", VERIFYING);
        f.manager.stop(Caller.ADMIN, "t-bg");
        f.until("t-bg", STOPPED);
        assertThat(stopped).isNotNull();
        deleteIn(f, "d-upd", UPDATING);
        deleteIn(f, "d-ver", VERIFYING);
        deleteIn(f, "d-cut", CUTTING_OVER);
        deleteIn(f, "d-rol", ROLLING_BACK);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteIn(Fixture f, String name, LifecycleState state) {
        Deployment d = running(f, name, BLUE_GREEN);
        if (state == ROLLING_BACK) {
            f.engine.dieAtStart.add(name + ":2");
        }
        f.pauseOn(state);
        update(f, name, BLUE_GREEN, "x");
        f.advanceUntil(name, Duration.ofMillis(500), x -> x.state() == state);
        var deleted = java.util.concurrent.CompletableFuture.runAsync(() -> f.manager.delete(Caller.ADMIN, name));
        pause(50);
        f.release();
        deleted.join();
        f.untilGone(name);
        assertThat(f.engine.versionsRunning(d.id())).isEmpty();
    }
}
