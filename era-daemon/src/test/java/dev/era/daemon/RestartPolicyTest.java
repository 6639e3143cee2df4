package dev.era.daemon;

import dev.era.client.Deployment;
import dev.era.client.DeploymentStatus;
import dev.era.client.EraClient;
import dev.era.client.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** A real daemon notices apps that die and applies their restart policy. */
class RestartPolicyTest {
    @TempDir
    static Path dir;
    static DaemonProcess daemon;
    static EraClient client;

    @BeforeAll
    static void start() {
        daemon = DaemonProcess.start(dir);
        client = daemon.unix();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @Test
    void anAppKilledWithSigkillIsRestartedWithARestartEvent() throws InterruptedException {
        String marker = "0.00" + ThreadLocalRandom.current().nextLong(100_000_000L, 999_999_999L);
        Deployment up = client.deploy("name: victim\ncommand: [sleep, '1000', '" + marker + "']\n"
                + "restart: {policy: on-failure, maxRetries: 3, backoff: 100ms}\n", Duration.ofSeconds(60));
        assertThat(up.state()).as(up.message()).isEqualTo("RUNNING");
        long head = client.eventHead();
        List<Procs.Proc> app = Procs.matching(argv -> argv.equals(List.of("sleep", "1000", marker)));
        assertThat(app).hasSize(1);

        Instant killedAt = Instant.now();
        Procs.kill(app.getFirst().pid());

        Deployment again = awaitState("victim", d -> d.state().equals("RUNNING") && d.pid() != up.pid());
        assertThat(again.restarts()).isEqualTo(1);
        assertThat(again.lastExitCode()).isEqualTo(137);
        List<Event> events = client.events(head, 100, "victim").events();
        Event crash = events.stream().filter(e -> e.state().equals("BACKING_OFF")).findFirst().orElseThrow();
        assertThat(crash.message()).contains("SIGKILL").contains("restart 1 of 3 in 100ms");
        assertThat(events).extracting(Event::state).containsSubsequence("BACKING_OFF", "ACTIVATING", "RUNNING");
        assertThat(Procs.matching(argv -> argv.equals(List.of("sleep", "1000", marker))))
                .extracting(Procs.Proc::pid).hasSize(1).doesNotContain(app.getFirst().pid());
        System.out.printf("RECORDED exit noticed: kill -9 of the app to the crash event %d ms%n",
                Duration.between(killedAt, crash.at()).toMillis());
    }

    @Test
    void aCrashLoopBacksOffThenFailsWithTheLastExitCodeAndALogTail() throws InterruptedException {
        long head = client.eventHead();
        client.deploy("""
                name: crasher
                command: [sh, -c, 'echo "starting"; echo "fatal: cannot open config" >&2; exit 3']
                restart: {policy: on-failure, maxRetries: 2, backoff: 50ms, maxBackoff: 1s}
                """);

        awaitState("crasher", d -> d.state().equals("FAILED"));

        DeploymentStatus status = client.status("crasher", 20);
        Deployment d = status.deployment();
        assertThat(d.lastExitCode()).isEqualTo(3);
        assertThat(d.restarts()).isEqualTo(2);
        assertThat(d.message()).contains("exited with code 3").contains("gave up after 2 restarts");
        assertThat(status.logTail()).contains("fatal: cannot open config");
        List<Event> events = client.events(head, 1000, "crasher").events();
        List<Event> backoffs = events.stream().filter(e -> e.state().equals("BACKING_OFF")).toList();
        assertThat(backoffs).extracting(Event::message).satisfiesExactly(
                m -> assertThat(m).contains("restart 1 of 2 in 50ms"),
                m -> assertThat(m).contains("restart 2 of 2 in 100ms"));
        assertThat(events.getLast().state()).isEqualTo("FAILED");
        List<Event> starts = events.stream().filter(e -> e.state().equals("ACTIVATING")).toList();
        System.out.printf("RECORDED crash loop: %d activations, %s%n", starts.size(),
                events.stream().map(e -> e.state() + "@" + e.at().toEpochMilli() % 100_000).toList());
    }

    /** Polls the deployment until the condition holds; the daemon's own timers decide when. */
    private static Deployment awaitState(String name, Predicate<Deployment> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Deployment d = client.get(name);
        while (!condition.test(d)) {
            assertThat(System.nanoTime()).as("%s never got there; last seen %s: %s%n%s", name, d.state(), d.message(),
                    daemon.log()).isLessThan(deadline);
            Thread.sleep(20);
            d = client.get(name);
        }
        return d;
    }
}
