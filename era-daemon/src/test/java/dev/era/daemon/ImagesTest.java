package dev.era.daemon;

import dev.era.api.ImageInfo;
import dev.era.api.PullProgress;
import dev.era.client.Deployment;
import dev.era.client.EraClient;
import dev.era.client.EraClientException;
import dev.era.client.IssuedKey;
import dev.era.engine.oci.RegistryFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code era images} and {@code /images} end to end: a real daemon (child JVM, real oci engine and
 * runc) pulling from a real docker-registry on loopback.
 */
class ImagesTest {
    private static final String SECRET = "pa55-never-shown";

    @TempDir
    static Path dir;
    static RegistryFixture registry;
    static DaemonProcess daemon;
    static String busybox;
    static String digest;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryFixture.start(dir.resolve("fixture"));
        busybox = registry.host() + "/tools/busybox:1";
        digest = registry.pushBusybox("tools/busybox:1", "sleep", "300");
        registry.pushBusybox("tools/other:1", "true");
        Path data = Files.createDirectories(dir.resolve("data"));
        Path auth = data.resolve(DaemonConfig.REGISTRY_AUTH);
        Files.writeString(auth, "{\"auths\": {\"registry.example.com\": {\"username\": \"ci\", \"password\": \"" + SECRET + "\"}}}");
        Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-------"));
        daemon = DaemonProcess.start(data);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (daemon != null) {
            EraClient client = daemon.unix();
            for (Deployment d : client.list()) {
                client.delete(d.id(), Duration.ofSeconds(60)); // unmounts the container's root filesystem
            }
            daemon.close();
        }
        registry.close();
    }

    @Test
    void aPlainPullPrintsALinePerStepThenTheImage() {
        DaemonProcess.Cli r = daemon.cli("images", "pull", "--progress", "plain", registry.host() + "/tools/other:1");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("pulling " + registry.host() + "/tools/other:1 (sha256:")
                .contains("downloaded and verified").contains("unpacked").contains("pulled " + registry.host() + "/tools/other:1 (sha256:")
                .doesNotContain("\033[");
    }

    @Test
    void aTerminalPullRedrawsABarPerLayerInPlace() {
        DaemonProcess.Cli r = daemon.cli("images", "pull", "--progress", "tty", registry.host() + "/tools/busybox:1");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\033[2K").contains("\033[2F").containsPattern("[0-9a-f]{12}  (done|already here)");
    }

    @Test
    void theClientSeesEveryLayersBytesAndTheListShowsTheImage() {
        EraClient client = daemon.unix();
        List<PullProgress> events = new ArrayList<>();

        ImageInfo image = client.images().pull(busybox, events::add);

        assertThat(image.digest()).isEqualTo(digest);
        assertThat(events.getFirst()).isInstanceOf(PullProgress.Resolved.class);
        assertThat(events).filteredOn(e -> e instanceof PullProgress.Layer l && l.state() == PullProgress.LayerState.UNPACKED)
                .hasSize(2);
        assertThat(client.images().list()).anySatisfy(i -> {
            assertThat(i.digest()).isEqualTo(digest);
            assertThat(i.references()).contains(busybox);
            assertThat(i.sizeBytes()).isPositive();
        });
        DaemonProcess.Cli ls = daemon.cli("images", "ls");
        assertThat(ls.out()).startsWith("REFERENCE").contains(busybox).contains(digest.substring(7, 19));
    }

    @Test
    void anImageADeploymentRunsOnIsRemovedOnlyAfterTheDeployment() {
        EraClient client = daemon.unix();
        Deployment d = client.deploy("""
                name: on-busybox
                engine: oci
                artifact: %s
                """.formatted(busybox), Duration.ofSeconds(60));
        assertThat(d.state()).as(d.message()).isEqualTo("RUNNING");

        assertThatThrownBy(() -> client.images().remove(busybox, false)).isInstanceOfSatisfying(EraClientException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.getMessage()).contains("used by deployment " + d.id()).contains("era rm");
        });
        DaemonProcess.Cli refused = daemon.cli("images", "rm", busybox);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("used by deployment " + d.id());
        assertThat(client.images().list()).filteredOn(i -> i.digest().equals(digest)).singleElement()
                .satisfies(i -> {
                    assertThat(i.usedBy()).containsExactly(d.id());
                    assertThat(i.lastUsed()).isPresent();
                });

        client.delete(d.id(), Duration.ofSeconds(60));
        DaemonProcess.Cli removed = daemon.cli("images", "rm", busybox);

        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(removed.out()).contains("removed " + busybox).contains("freed");
        assertThat(client.images().list()).noneMatch(i -> i.digest().equals(digest));
    }

    @Test
    void badReferencesAreTheCallersToFix() {
        EraClient client = daemon.unix();
        assertThatThrownBy(() -> client.images().pull("UPPER/Case", p -> { })).isInstanceOfSatisfying(EraClientException.class,
                e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> client.images().pull(registry.host() + "/tools/none:1", p -> { }))
                .isInstanceOfSatisfying(EraClientException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("has no manifest");
                });
        assertThatThrownBy(() -> client.images().remove(registry.host() + "/tools/never:1", false))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(404));
        DaemonProcess.Cli r = daemon.cli("images", "pull", "--progress", "plain", registry.host() + "/tools/none:1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("has no manifest");
    }

    @Test
    void aTenantMayListAndPullButNotRemoveNorSeeWhoUsesAnImage() {
        IssuedKey key = daemon.unix().createKey("acme", "images");
        EraClient acme = daemon.tcp(key.secret());
        acme.images().pull(registry.host() + "/tools/other:1", p -> { });

        assertThatThrownBy(() -> acme.images().remove(registry.host() + "/tools/other:1", false))
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> acme.images().collectGarbage())
                .isInstanceOfSatisfying(EraClientException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(acme.images().list()).isNotEmpty().allSatisfy(i -> assertThat(i.usedBy()).isEmpty());
    }

    @Test
    void theRegistryPasswordIsNeverInTheDaemonsLog() {
        daemon.cli("images", "pull", "--progress", "plain", registry.host() + "/tools/other:1");

        assertThat(daemon.log()).contains("registry credentials for [registry.example.com]").doesNotContain(SECRET);
    }
}
