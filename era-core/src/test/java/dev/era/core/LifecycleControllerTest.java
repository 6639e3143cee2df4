package dev.era.core;

import dev.era.api.ConflictException;
import dev.era.api.IllegalTransitionException;
import dev.era.api.InvalidSpecException;
import dev.era.api.NotFoundException;
import dev.era.core.LifecycleTable.Transition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;

import static dev.era.core.LifecycleState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleControllerTest {
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

    @Test
    void deployWalksEveryPhaseToRunningAndJournalsEachTransition() {
        f.deploy("web", "");
        Deployment d = f.until("web", RUNNING);
        assertThat(d.health()).isEqualTo(Health.HEALTHY);
        assertThat(d.pid()).isPositive();
        assertThat(d.pendingAction()).isEmpty();
        assertThat(f.store.events(0, 100)).extracting(Event::state)
                .containsSubsequence("VALIDATING", "FETCHING", "PREPARING", "INSTALLING", "ACTIVATING",
                        "HEALTH_CHECKING", "RUNNING");
        assertThat(Files.isDirectory(dir.resolve("deployments").resolve(d.id().value()).resolve("v1"))).isTrue();
    }

    @Test
    void crashedWorkIsRestartedWithBackoffAndEndsFailedWithLastExitCode() {
        crashLoopScenario(f);
        Deployment d = f.get("loop");
        assertThat(d.lastExitCode()).isEqualTo(3);
        assertThat(d.message()).contains("exited with code 3").contains("gave up after 2 restarts");
        assertThat(f.engine.calls.stream().filter(c -> c.startsWith("start")).count()).isEqualTo(3);
    }

    static void crashLoopScenario(Fixture f) {
        f.deploy("loop", "restart: {policy: on-failure, maxRetries: 2, backoff: 100ms}\n");
        var d = f.until("loop", RUNNING);
        f.engine.exit(d.id(), 3);
        d = f.until("loop", BACKING_OFF);
        assertThat(d.restarts()).isEqualTo(1);
        d = f.advanceUntil("loop", Duration.ofMillis(100), x -> x.state() == RUNNING && f.engine.pidOf(x.id()) != 0);
        f.engine.exit(d.id(), 3);
        f.until("loop", BACKING_OFF);
        d = f.advanceUntil("loop", Duration.ofMillis(100), x -> x.state() == RUNNING && f.engine.pidOf(x.id()) != 0);
        f.engine.exit(d.id(), 3);
        f.until("loop", x -> x.state() == FAILED && x.pendingAction().isEmpty());
    }

    @Test
    void cleanExitUnderOnFailurePolicyEndsStopped() {
        completeScenario(f);
        assertThat(f.get("job").lastExitCode()).isZero();
    }

    static void completeScenario(Fixture f) {
        var d = f.deploy("job", "");
        f.until("job", RUNNING);
        f.engine.exit(d.id(), 0);
        f.until("job", x -> x.state() == STOPPED && x.pendingAction().isEmpty());
    }

    @Test
    void stopThenStartRunsTheWorkAgain() {
        var d = f.deploy("svc", "");
        f.until("svc", RUNNING);
        long firstPid = f.engine.pidOf(d.id());
        f.manager.stop(Caller.ADMIN, "svc");
        f.until("svc", STOPPED);
        assertThat(f.engine.pidOf(d.id())).isZero();
        f.manager.start(Caller.ADMIN, "svc");
        f.until("svc", RUNNING);
        assertThat(f.engine.pidOf(d.id())).isPositive().isNotEqualTo(firstPid);
    }

    @Test
    void stoppingAStoppedDeploymentIsAConflictThatNamesStateEventAndHistory() {
        f.deploy("svc", "");
        f.until("svc", RUNNING);
        f.manager.stop(Caller.ADMIN, "svc");
        f.until("svc", STOPPED);
        assertThatThrownBy(() -> f.manager.stop(Caller.ADMIN, "svc"))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("svc").hasMessageContaining("STOPPED").hasMessageContaining("STOP_REQUESTED")
                .hasMessageContaining("RUNNING -STOP_REQUESTED->");
    }

    @Test
    void deleteStopsTheWorkRemovesFilesAndKeepsTheEvents() {
        var d = f.deploy("gone", "");
        f.until("gone", RUNNING);
        f.manager.delete(Caller.ADMIN, "gone");
        f.untilGone("gone");
        assertThat(f.engine.pidOf(d.id())).isZero();
        assertThat(dir.resolve("deployments").resolve(d.id().value())).doesNotExist();
        assertThat(f.store.find(d.id())).isEmpty();
        assertThat(f.store.events(0, 1000)).anyMatch(e -> e.type().equals("deleted") && e.deployment().equals(d.id().value()));
    }

    @Test
    void failingInstallEndsFailedWithTheCauseAndStartRetriesTheWholeLifecycle() {
        f.engine.failing.add("install");
        f.deploy("bad", "");
        var d = f.until("bad", x -> x.state() == FAILED && x.pendingAction().isEmpty());
        assertThat(d.message()).contains("install failed: install failed on purpose");
        f.engine.failing.clear();
        f.manager.start(Caller.ADMIN, "bad");
        f.until("bad", RUNNING);
    }

    @Test
    void workThatNeverTurnsHealthyIsRestartedAfterTheDeadline() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        f.deploy("sick", "health: {tcp: {port: " + port + "}, interval: 1s, deadline: 3s}\n"
                + "restart: {maxRetries: 0}\n");
        f.until("sick", HEALTH_CHECKING);
        var d = f.advanceUntil("sick", Duration.ofSeconds(1), x -> x.state() == FAILED);
        assertThat(d.message()).contains("not healthy within health.deadline=3s").contains("TCP connect");
    }

    @Test
    void healthyProbeLeadsToRunningAndLosingHealthRestartsTheWork() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            f.deploy("probed", "health: {tcp: {port: " + s.getLocalPort() + "}, interval: 1s, failureThreshold: 2}\n");
            f.until("probed", HEALTH_CHECKING);
            var d = f.advanceUntil("probed", Duration.ZERO, x -> x.state() == RUNNING);
            assertThat(d.health()).isEqualTo(Health.HEALTHY);
        }
        var d = f.advanceUntil("probed", Duration.ofSeconds(1), x -> x.state() == BACKING_OFF);
        assertThat(d.message()).contains("failed 2 health checks in a row");
    }

    @Test
    void aRestartedDaemonReattachesRunningWorkWithoutStartingItAgain() {
        var d = f.deploy("keep", "");
        f.until("keep", RUNNING);
        long pid = f.engine.pidOf(d.id());
        f.crash();
        f.start();
        var back = f.until("keep", RUNNING);
        assertThat(back.pid()).isEqualTo(pid);
        assertThat(f.engine.calls).contains("recover " + pid);
        assertThat(f.engine.calls.stream().filter(c -> c.startsWith("start")).count()).isEqualTo(1);
    }

    @Test
    void whereTheEngineCanCheckpointSuspendWritesTheWorkToDiskAndResumeRestoresItAcrossARestart() {
        f.engine.checkpoints = true;
        var d = f.deploy("cp", "");
        f.until("cp", RUNNING);
        long pid = f.engine.pidOf(d.id());

        f.manager.suspend(Caller.ADMIN, "cp");
        Deployment suspended = f.until("cp", x -> x.state() == SUSPENDED && x.pendingAction().isEmpty());
        assertThat(suspended.message()).contains("checkpointed to disk");
        assertThat(f.engine.calls).contains("checkpoint " + pid).doesNotContain("pause " + pid);
        assertThat(f.engine.running).doesNotContainKey(pid);

        f.crash();
        f.start();
        assertThat(f.until("cp", SUSPENDED).engineHandle()).as("a checkpoint outlives the daemon").isPresent();

        f.manager.resume(Caller.ADMIN, "cp");
        Deployment back = f.until("cp", RUNNING);
        assertThat(back.pid()).isEqualTo(pid);
        assertThat(back.message()).contains("resumed from its checkpoint");
        assertThat(f.engine.calls).contains("restore " + pid);
        assertThat(f.engine.calls.stream().filter(c -> c.startsWith("start")).count()).as("restored, not started again")
                .isEqualTo(1);
    }

    @Test
    void aFailedCheckpointFreezesTheWorkInstead() {
        f.engine.checkpoints = true;
        f.engine.failing.add("checkpoint");
        var d = f.deploy("cpfail", "");
        f.until("cpfail", RUNNING);
        long pid = f.engine.pidOf(d.id());

        f.manager.suspend(Caller.ADMIN, "cpfail");
        Deployment suspended = f.until("cpfail", x -> x.state() == SUSPENDED && x.pendingAction().isEmpty());
        assertThat(suspended.message()).contains("frozen in place");
        assertThat(f.engine.paused).contains(pid);
    }

    @Test
    void workLostWhileTheDaemonWasDownIsRestartedByPolicy() {
        var d = f.deploy("lost", "");
        f.until("lost", RUNNING);
        f.crash();
        f.engine.running.clear();
        f.start();
        f.until("lost", BACKING_OFF);
        f.advanceUntil("lost", Duration.ofMillis(100), x -> x.state() == RUNNING && f.engine.pidOf(d.id()) != 0);
    }

    @Test
    void anActionInFlightAtTheCrashIsRepeatedOnRestart() {
        f.engine.gates.put("install", new CountDownLatch(1));
        f.deploy("half", "");
        f.until("half", INSTALLING);
        f.crash();
        f.engine.gates.clear();
        f.start();
        f.until("half", RUNNING);
    }

    @Test
    void duplicateNamesAndUnknownEnginesAreRejectedAndNothingIsStored() {
        f.deploy("one", "");
        f.until("one", RUNNING);
        int events = f.store.events(0, 1000).size();
        assertThatThrownBy(() -> f.deploy("one", "")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("'one' already exists");
        assertThatThrownBy(() -> f.manager.deploy(Caller.ADMIN, SpecCodec.parse("name: two\nengine: nope\ncommand: [x]")))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("available engines: scripted");
        assertThat(f.store.deployments()).hasSize(1);
        assertThat(f.store.events(0, 1000)).hasSize(events);
    }

    @Test
    void aTenantSeesOnlyItsOwnDeployments() {
        Caller a = Caller.tenant("alpha");
        Caller b = Caller.tenant("beta");
        f.manager.deploy(a, Fixture.spec("mine", ""));
        // settled before the test ends: a lifecycle still writing into the temp dir would fail its removal
        f.manager.await(a, "mine", java.time.Duration.ofSeconds(30));
        assertThat(f.manager.list(a)).extracting(Deployment::name).containsExactly("mine");
        assertThat(f.manager.list(b)).isEmpty();
        String id = f.manager.get(a, "mine").id().value();
        assertThatThrownBy(() -> f.manager.get(b, id)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> f.manager.delete(b, "mine")).isInstanceOf(NotFoundException.class);
        assertThat(f.manager.events(b, 0, 100)).isEmpty();
    }

    @Test
    void everyTransitionOfTheTableIsExercised() throws IOException {
        Set<Transition> visited = ConcurrentHashMap.newKeySet();
        try (Fixture g = new Fixture(dir.resolve("coverage"), visited)) {
            TableTour.run(g);
        }
        Set<Transition> missing = new HashSet<>(LifecycleTable.all().values());
        missing.removeAll(visited);
        assertThat(missing).as("transitions never taken").isEmpty();
    }
}
