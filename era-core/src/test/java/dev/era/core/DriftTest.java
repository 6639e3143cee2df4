package dev.era.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static dev.era.core.LifecycleState.*;
import static org.assertj.core.api.Assertions.assertThat;

class DriftTest {
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

    private java.util.List<Drift> drift(String name) {
        return f.manager.status(Caller.ADMIN, name, 0).drift();
    }

    @Test
    void aFileAddedToTheInstallDirectoryIsRecordedAsDriftInStatusAndEventsOnce() throws IOException {
        Deployment d = f.deploy("files", "");
        f.until("files", RUNNING);
        Path install = dir.resolve("deployments").resolve(d.id().value()).resolve("v1");
        Files.writeString(install.resolve("injected.sh"), "echo hi");

        f.advanceUntil("files", Duration.ofMillis(500), x -> !drift("files").isEmpty());
        for (int i = 0; i < 12; i++) {
            f.scheduler.advance(Duration.ofMillis(500));
        }

        assertThat(drift("files")).singleElement().satisfies(x -> {
            assertThat(x.kind()).isEqualTo("installDir");
            assertThat(x.what()).contains("added injected.sh");
        });
        assertThat(f.store.events(0, 1000)).filteredOn(e -> e.type().equals("drift")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("kind", "installDir"));

        Files.delete(install.resolve("injected.sh"));
        f.advanceUntil("files", Duration.ofMillis(500), x -> drift("files").isEmpty());
    }

    @Test
    void aLimitChangedOutsideEraIsRecordedAsDriftUntilItIsBack() {
        Deployment d = f.deploy("capped", "resources: {memory: 64Mi, pids: 50}\n");
        f.until("capped", RUNNING);
        long pid = f.engine.pidOf(d.id());
        f.engine.limitsInForce.put(pid, new dev.era.api.Resources(0, 64L << 20, 50));
        for (int i = 0; i < 12; i++) {
            f.scheduler.advance(Duration.ofMillis(500));
        }
        assertThat(drift("capped")).as("the limits as the spec says: no drift").isEmpty();

        f.engine.limitsInForce.put(pid, new dev.era.api.Resources(0, 128L << 20, 50)); // raised by hand
        f.advanceUntil("capped", Duration.ofMillis(500), x -> !drift("capped").isEmpty());
        assertThat(drift("capped")).singleElement().satisfies(x -> {
            assertThat(x.kind()).isEqualTo("limits");
            assertThat(x.what()).contains("memory 64Mi in the spec, 128Mi in force");
        });
        assertThat(f.store.events(0, 1000)).filteredOn(e -> e.type().equals("drift"))
                .anySatisfy(e -> assertThat(e.details()).containsEntry("kind", "limits"));

        f.engine.limitsInForce.put(pid, new dev.era.api.Resources(0, 64L << 20, 50));
        f.advanceUntil("capped", Duration.ofMillis(500), x -> drift("capped").isEmpty());
    }

    @Test
    void workGoneBehindTheDaemonsBackIsDriftAndTheRestartPolicyBringsItBack() {
        Deployment d = f.deploy("gone", "restart: {policy: always, backoff: 1s}\n");
        f.until("gone", RUNNING);
        long pid = f.engine.pidOf(d.id());
        f.engine.running.remove(pid); // gone without an exit notice, as after an outside kill -9 the engine missed

        f.advanceUntil("gone", Duration.ofMillis(500), x -> f.store.events(0, 1000).stream()
                .anyMatch(e -> e.type().equals("drift")));
        f.advanceUntil("gone", Duration.ofMillis(500), x -> x.state() == RUNNING && x.pid() != pid);

        assertThat(f.store.events(0, 1000)).filteredOn(e -> e.type().equals("drift")).first()
                .satisfies(e -> assertThat(e.message()).contains("pid " + pid).contains("restart policy (always)"));
    }
}
