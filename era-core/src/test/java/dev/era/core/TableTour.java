package dev.era.core;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static dev.era.core.LifecycleState.*;

/**
 * Drives one fixture through every row of the lifecycle table, including requests that arrive
 * while an action is in flight (held with the engine's gates or the fixture's pause).
 */
final class TableTour {
    private TableTour() {
    }

    static void run(Fixture f) throws IOException {
        LifecycleControllerTest.crashLoopScenario(f);           // RUNNING+CRASHED, BACKOFF, RUNNING+GAVE_UP
        LifecycleControllerTest.completeScenario(f);            // RUNNING+COMPLETED
        f.manager.start(Caller.ADMIN, "loop");                 // FAILED+START_REQUESTED
        f.until("loop", RUNNING);
        f.manager.stop(Caller.ADMIN, "loop");                  // RUNNING+STOP, STOPPING+STOPPED_OK
        f.until("loop", STOPPED);
        f.manager.start(Caller.ADMIN, "loop");                 // STOPPED+START_REQUESTED
        f.until("loop", RUNNING);
        deleteAndWait(f, "loop");                                // RUNNING+DELETE, UNINSTALLING+UNINSTALLED
        deleteAndWait(f, "job");                                 // STOPPED+DELETE

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String probe = "health: {tcp: {port: " + closed + "}, interval: 1s, deadline: 1h}\n";
        exitWhileChecking(f, "hc-crash", probe, 1);                            // HEALTH_CHECKING+CRASHED
        exitWhileChecking(f, "hc-giveup", probe + "restart: {policy: never}\n", 1); // HEALTH_CHECKING+GAVE_UP
        exitWhileChecking(f, "hc-done", probe, 0);                             // HEALTH_CHECKING+COMPLETED
        deleteAndWait(f, "hc-giveup");                                          // FAILED+DELETE
        f.deploy("hc-stop", probe);
        f.until("hc-stop", HEALTH_CHECKING);
        f.manager.stop(Caller.ADMIN, "hc-stop");                               // HEALTH_CHECKING+STOP
        f.until("hc-stop", STOPPED);
        f.deploy("hc-del", probe);
        f.until("hc-del", HEALTH_CHECKING);
        deleteAndWait(f, "hc-del");                                             // HEALTH_CHECKING+DELETE

        backingOff(f, "bo-stop");
        f.manager.stop(Caller.ADMIN, "bo-stop");                               // BACKING_OFF+STOP
        f.until("bo-stop", STOPPED);
        backingOff(f, "bo-del");
        deleteAndWait(f, "bo-del");                                             // BACKING_OFF+DELETE

        for (String op : new String[] {"validate", "fetch", "install", "start"}) {
            f.engine.failing.add(op);
            f.deploy("fail-" + op, "");                                         // <phase>+OP_FAILED
            f.until("fail-" + op, x -> x.state() == FAILED && x.pendingAction().isEmpty());
            f.engine.failing.remove(op);
        }
        failWhilePreparing(f);                                                  // PREPARING+OP_FAILED

        f.deploy("stop-fails", "");
        f.until("stop-fails", RUNNING);
        f.engine.failing.add("stop");
        f.manager.stop(Caller.ADMIN, "stop-fails");                           // STOPPING+OP_FAILED
        f.until("stop-fails", FAILED);
        backingOffWithFailingStop(f);                                           // BACKING_OFF+OP_FAILED
        f.engine.failing.remove("stop");

        f.engine.failing.add("delete");
        f.manager.delete(Caller.ADMIN, "stop-fails");                         // UNINSTALLING+OP_FAILED
        f.until("stop-fails", x -> x.state() == FAILED && x.message().contains("failed on purpose"));
        f.engine.failing.remove("delete");

        for (String op : new String[] {"validate", "fetch", "install", "start"}) {
            deleteDuring(f, "held-" + op, op);   // VALIDATING/FETCHING/INSTALLING/ACTIVATING+DELETE
        }
        deleteWhilePreparing(f);                                                // PREPARING+DELETE
        suspendScenarios(f);
        deleteWhileStopping(f);                                                 // STOPPING+DELETE
        RolloutTest.tour(f);                                                    // updates and rollbacks
    }

    private static void exitWhileChecking(Fixture f, String name, String extra, int code) {
        var d = f.deploy(name, extra);
        f.until(name, HEALTH_CHECKING);
        f.engine.exit(d.id(), code);
        f.until(name, x -> x.state() != HEALTH_CHECKING && x.pendingAction().isEmpty()
                || x.state() == BACKING_OFF);
    }

    private static void backingOff(Fixture f, String name) {
        var d = f.deploy(name, "restart: {backoff: 10m, maxBackoff: 10m}\n");
        f.until(name, RUNNING);
        f.engine.exit(d.id(), 9);
        f.until(name, BACKING_OFF);
    }

    private static void backingOffWithFailingStop(Fixture f) {
        f.engine.failing.remove("stop");
        var d = f.deploy("bo-fail", "restart: {backoff: 10m, maxBackoff: 10m}\n");
        f.until("bo-fail", RUNNING);
        f.engine.failing.add("stop");
        f.engine.exit(d.id(), 9);
        f.until("bo-fail", x -> x.state() == FAILED && x.message().contains("schedule_restart failed"));
    }

    private static void failWhilePreparing(Fixture f) throws IOException {
        f.pauseOn(PREPARING);
        var d = f.deploy("prep-fail", "");
        f.until("prep-fail", PREPARING);
        var base = f.dataDir.resolve("deployments").resolve(d.id().value());
        Files.createDirectories(base);
        Files.writeString(base.resolve("run"), "a file where the run directory should be");
        f.release();
        f.until("prep-fail", x -> x.state() == FAILED && x.pendingAction().isEmpty());
    }

    private static void deleteDuring(Fixture f, String name, String op) {
        CountDownLatch gate = new CountDownLatch(1);
        f.engine.gates.put(op, gate);
        var d = f.deploy(name, "");
        f.until(name, x -> f.engine.calls.stream().filter(c -> c.startsWith(op + " ")).count()
                >= (op.equals("validate") ? 2 : 1) && x.pendingAction().equalsIgnoreCase(
                        op.equals("start") ? "activate" : op));
        CompletableFuture<?> del = CompletableFuture.runAsync(() -> f.manager.delete(Caller.ADMIN, name));
        untilQueued(f, d);
        f.engine.gates.remove(op);
        gate.countDown();
        del.join();
        f.untilGone(name);
    }

    private static void deleteWhilePreparing(Fixture f) {
        f.pauseOn(PREPARING);
        var d = f.deploy("prep-del", "");
        f.until("prep-del", PREPARING);
        CompletableFuture<?> del = CompletableFuture.runAsync(() -> f.manager.delete(Caller.ADMIN, "prep-del"));
        untilQueued(f, d);
        f.release();
        del.join();
        f.untilGone("prep-del");
    }

    private static void deleteWhileStopping(Fixture f) {
        var d = f.deploy("stop-del", "");
        f.until("stop-del", RUNNING);
        CountDownLatch gate = new CountDownLatch(1);
        f.engine.gates.put("stop", gate);
        f.manager.stop(Caller.ADMIN, "stop-del");
        CompletableFuture<?> del = CompletableFuture.runAsync(() -> f.manager.delete(Caller.ADMIN, "stop-del"));
        untilQueued(f, d);
        f.engine.gates.remove("stop");
        gate.countDown();
        del.join();
        f.untilGone("stop-del");
    }

    private static void suspendScenarios(Fixture f) {
        var d = f.deploy("sus", "");
        f.until("sus", RUNNING);
        long pid = f.engine.pidOf(d.id());
        f.manager.suspend(Caller.ADMIN, "sus");                                // RUNNING+SUSPEND
        f.until("sus", x -> x.state() == SUSPENDED && x.pendingAction().isEmpty());
        f.manager.resume(Caller.ADMIN, "sus");                                 // SUSPENDED+RESUME, RESUMING+RESUMED
        f.until("sus", RUNNING);
        if (f.engine.pidOf(d.id()) != pid || !f.engine.paused.isEmpty()) {
            throw new AssertionError("resume must thaw the same work");
        }
        f.manager.suspend(Caller.ADMIN, "sus");
        f.until("sus", SUSPENDED);
        f.manager.stop(Caller.ADMIN, "sus");                                   // SUSPENDED+STOP
        f.until("sus", STOPPED);
        f.manager.start(Caller.ADMIN, "sus");
        f.until("sus", RUNNING);
        f.manager.suspend(Caller.ADMIN, "sus");
        f.until("sus", SUSPENDED);
        deleteAndWait(f, "sus");                                                // SUSPENDED+DELETE

        f.deploy("sus-fail", "");
        f.until("sus-fail", RUNNING);
        f.engine.failing.add("pause");
        f.manager.suspend(Caller.ADMIN, "sus-fail");                           // SUSPENDED+OP_FAILED
        f.until("sus-fail", x -> x.state() == FAILED && x.pendingAction().isEmpty());
        f.engine.failing.remove("pause");

        f.deploy("res-fail", "");
        f.until("res-fail", RUNNING);
        f.manager.suspend(Caller.ADMIN, "res-fail");
        f.until("res-fail", SUSPENDED);
        f.engine.failing.add("resume");
        f.manager.resume(Caller.ADMIN, "res-fail");                            // RESUMING+OP_FAILED
        f.until("res-fail", x -> x.state() == FAILED && x.pendingAction().isEmpty());
        f.engine.failing.remove("resume");

        var held = f.deploy("res-del", "");
        f.until("res-del", RUNNING);
        f.manager.suspend(Caller.ADMIN, "res-del");
        f.until("res-del", SUSPENDED);
        CountDownLatch gate = new CountDownLatch(1);
        f.engine.gates.put("resume", gate);
        f.manager.resume(Caller.ADMIN, "res-del");
        CompletableFuture<?> del = CompletableFuture.runAsync(() -> f.manager.delete(Caller.ADMIN, "res-del"));
        untilQueued(f, held);
        f.engine.gates.remove("resume");
        gate.countDown();
        del.join();                                                              // RESUMING+DELETE
        f.untilGone("res-del");
    }

    private static void untilQueued(Fixture f, Deployment d) {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (f.manager.controller().backlog(d.id()) < 1) {
            if (System.nanoTime() > end) {
                throw new AssertionError("request for " + d.name() + " never reached its mailbox");
            }
            Thread.onSpinWait();
        }
    }

    private static void deleteAndWait(Fixture f, String name) {
        f.manager.delete(Caller.ADMIN, name);
        f.untilGone(name);
    }
}
