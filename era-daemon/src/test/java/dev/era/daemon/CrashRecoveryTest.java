package dev.era.daemon;

import dev.era.client.Deployment;
import dev.era.client.EraClient;
import dev.era.client.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of a real daemon with work running, then a new daemon on the same data directory. */
class CrashRecoveryTest {
    private static final int APPS = 20;

    @TempDir
    Path dir;

    /** What a deployment looked like before the kill: the wrapper (its pid) and the app process. */
    private record Before(Deployment deployment, long startTicks, long appPid, long appStartTicks) {}

    @Test
    void aDaemonKilledWithSigkillReattachesToEveryAppWithoutStartingAnyAgain() throws Exception {
        // GNU sleep adds up its arguments, so a tiny unique fraction marks each app's argv
        String run = Long.toString(ThreadLocalRandom.current().nextLong(100_000_000L, 999_999_999L));
        Map<String, String> markers = new LinkedHashMap<>();
        for (int i = 0; i < APPS; i++) {
            markers.put("app-" + i, "0.00" + run + String.format("%02d", i));
        }
        DaemonProcess first = DaemonProcess.start(dir);
        DaemonProcess second = null;
        try {
            EraClient client = first.unix();
            for (var m : markers.entrySet()) {
                Deployment d = client.deploy("name: " + m.getKey() + "\ncommand: [sleep, '1000', '" + m.getValue()
                        + "']\nrestart: {policy: always, backoff: 100ms}\n", Duration.ofSeconds(60));
                assertThat(d.state()).as(d.name() + ": " + d.message()).isEqualTo("RUNNING");
            }
            Map<String, Before> before = new LinkedHashMap<>();
            for (Deployment d : client.list()) {
                Procs.Proc app = theOnlyApp(markers.get(d.name()));
                before.put(d.name(), new Before(d, Procs.startTicks(d.pid()).orElseThrow(), app.pid(),
                        Procs.startTicks(app.pid()).orElseThrow()));
            }
            long headBeforeKill = client.eventHead();

            first.kill9();
            long killedAt = System.nanoTime();
            second = DaemonProcess.start(dir);
            long recoveredIn = System.nanoTime() - killedAt;
            EraClient again = second.unix();

            assertThat(again.health()).isEqualTo("ok");
            List<Deployment> after = again.list();
            assertThat(after).hasSize(APPS);
            for (Deployment d : after) {
                Before b = before.get(d.name());
                assertThat(d.state()).as(d.name()).isEqualTo("RUNNING");
                assertThat(d.pid()).as(d.name() + " pid").isEqualTo(b.deployment().pid());
                assertThat(d.restarts()).as(d.name() + " restarts").isZero();
                assertThat(Procs.startTicks(d.pid())).as(d.name() + " is the same process, not a reused pid")
                        .contains(b.startTicks());
            }
            assertNoAppStartedTwice(markers, before);
            List<String> restarted = new ArrayList<>();
            for (Event e : again.events(headBeforeKill, 1000).events()) {
                if (e.state().equals("ACTIVATING") || e.state().equals("BACKING_OFF")) {
                    restarted.add(e.name() + ": " + e.message());
                }
            }
            assertThat(restarted).as("activations after the kill").isEmpty();
            System.out.printf("RECORDED recovery: %d deployments, kill -9 to /health ready %d ms (JVM start %d ms"
                    + " included)%n", APPS, recoveredIn / 1_000_000, second.startedIn().toMillis());

            // The reconciler runs every 250 ms: give it a few rounds to make a wrong decision.
            Thread.sleep(1_000);
            assertNoAppStartedTwice(markers, before);
            assertThat(again.list()).allSatisfy(d -> assertThat(d.state()).isEqualTo("RUNNING"));
        } finally {
            if (second != null) {
                second.close();
            }
            first.close();
        }
    }

    private static void assertNoAppStartedTwice(Map<String, String> markers, Map<String, Before> before) {
        for (var m : markers.entrySet()) {
            Procs.Proc app = theOnlyApp(m.getValue());
            Before b = before.get(m.getKey());
            assertThat(app.pid()).as(m.getKey() + " app pid").isEqualTo(b.appPid());
            assertThat(Procs.startTicks(app.pid())).as(m.getKey() + " app start time").contains(b.appStartTicks());
        }
    }

    /** The app's own process is the one whose argv is exactly sleep 1000 marker (its wrapper's argv is longer). */
    private static Procs.Proc theOnlyApp(String marker) {
        List<Procs.Proc> apps = Procs.matching(argv -> argv.equals(List.of("sleep", "1000", marker)));
        assertThat(apps).as("processes running sleep 1000 " + marker).hasSize(1);
        return apps.getFirst();
    }
}
