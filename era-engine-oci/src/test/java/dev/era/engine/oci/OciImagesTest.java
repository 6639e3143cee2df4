package dev.era.engine.oci;

import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.GcReport;
import dev.era.api.ImageInfo;
import dev.era.api.ImageRemoval;
import dev.era.api.NotFoundException;
import dev.era.api.PullProgress;
import dev.era.api.Workload;
import dev.era.testing.ExitRecorder;
import dev.era.testing.TestSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine's image cache as {@code era images} uses it, against a real docker-registry on loopback. */
class OciImagesTest {
    @TempDir
    static Path shared;
    @TempDir
    Path data;

    static TestRegistry registry;
    static TestImages.Pushed busybox;
    static TestImages.Pushed hello;
    static final RegistryClient ANONYMOUS = new RegistryClient(Map.of());

    @BeforeAll
    static void pushImages() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        Path work = Files.createDirectories(shared.resolve("layers"));
        byte[] base = TestImages.baseLayer(work);
        byte[] changes = TestImages.changesLayer(work); // built once: a rebuild has new mtimes, so another digest
        busybox = TestImages.push(ANONYMOUS, ref("tools/busybox:1"), List.of(base, changes), List.of("sh"));
        TestImages.push(ANONYMOUS, ref("tools/busybox:latest"), List.of(base, changes), List.of("sh"));
        hello = TestImages.push(ANONYMOUS, ref("tools/hello:1"), List.of(base, TestImages.fileLayer(work, "hello.txt", "hi\n")),
                List.of("cat", "/hello.txt"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    static ImageRef ref(String repoAndTag) {
        return ImageRef.parse(registry.host + "/" + repoAndTag);
    }

    private OciEngine engine(Clock clock) {
        return new OciEngine(Optional.of(data.resolve("images")), ANONYMOUS, new Runc("runc", data.resolve("runc")), clock);
    }

    private OciEngine engine() {
        return engine(Clock.systemUTC());
    }

    @Test
    void aPullReportsTheResolvedImageThenEveryLayersBytesUntilUnpacked() {
        List<PullProgress> events = new ArrayList<>();

        ImageInfo info = engine().pull(registry.host + "/tools/busybox:1", events::add);

        assertThat(info.digest()).isEqualTo(busybox.manifestDigest());
        assertThat(events.getFirst()).isInstanceOfSatisfying(PullProgress.Resolved.class, r -> {
            assertThat(r.digest()).isEqualTo(busybox.manifestDigest());
            assertThat(r.layers()).extracting(PullProgress.LayerSize::digest).containsExactlyElementsOf(busybox.layers());
        });
        for (String layer : busybox.layers()) {
            List<PullProgress.Layer> mine = events.stream().filter(e -> e instanceof PullProgress.Layer l && l.digest().equals(layer))
                    .map(PullProgress.Layer.class::cast).toList();
            assertThat(mine).extracting(PullProgress.Layer::state).startsWith(PullProgress.LayerState.DOWNLOADING)
                    .endsWith(PullProgress.LayerState.DOWNLOADED, PullProgress.LayerState.UNPACKED);
            long size = mine.getFirst().sizeBytes();
            assertThat(size).isPositive();
            assertThat(mine).extracting(PullProgress.Layer::doneBytes).isSorted().last().isEqualTo(size);
        }
    }

    @Test
    void aSecondPullFindsEveryLayerCached() {
        OciEngine engine = engine();
        engine.pull(registry.host + "/tools/busybox:1", p -> { });
        List<PullProgress> events = new ArrayList<>();

        engine.pull(registry.host + "/tools/busybox:1", events::add);

        assertThat(events).filteredOn(e -> e instanceof PullProgress.Layer).extracting(e -> ((PullProgress.Layer) e).state())
                .containsOnly(PullProgress.LayerState.CACHED, PullProgress.LayerState.UNPACKED);
    }

    @Test
    void theListHasOneEntryPerImageWithAllItsTagsItsSizeAndNoUse() {
        OciEngine engine = engine();
        engine.pull(registry.host + "/tools/busybox:1", p -> { });
        engine.pull(registry.host + "/tools/busybox:latest", p -> { });
        engine.pull(registry.host + "/tools/hello:1", p -> { });

        List<ImageInfo> images = engine.images();

        assertThat(images).extracting(ImageInfo::digest).containsExactlyInAnyOrder(busybox.manifestDigest(), hello.manifestDigest());
        ImageInfo bb = images.stream().filter(i -> i.digest().equals(busybox.manifestDigest())).findFirst().orElseThrow();
        assertThat(bb.references()).containsExactly(registry.host + "/tools/busybox:1", registry.host + "/tools/busybox:latest");
        assertThat(bb.layers()).isEqualTo(2);
        long expected = busybox.manifestSize() + blobBytes(busybox);
        assertThat(bb.sizeBytes()).isEqualTo(expected);
        assertThat(bb.lastUsed()).isEmpty();
        assertThat(bb.usedBy()).isEmpty();
        assertThat(bb.pulledAt()).isAfter(Instant.now().minusSeconds(60));
    }

    private long blobBytes(TestImages.Pushed p) {
        ImageStore store = new ImageStore(data.resolve("images"), ANONYMOUS);
        long n = 0;
        for (String d : p.layers()) {
            n += store.blobSize(d);
        }
        return n + store.blobSize(p.configDigest());
    }

    @Test
    void removingAnImageADeploymentRunsOnIsAConflictNamingTheDeployment() throws Exception {
        OciEngine engine = engine();
        Workload w = OciDaemonRestartTest.workload(data, "d-000000000001", TestSpec.builder("oci").artifact(registry.host + "/tools/hello:1").build());
        engine.fetch(w);
        engine.install(w);

        assertThatThrownBy(() -> engine.remove(registry.host + "/tools/hello:1", false)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("used by deployment d-000000000001").hasMessageContaining("era rm");
        assertThat(engine.images()).singleElement().satisfies(i -> assertThat(i.usedBy()).containsExactly("d-000000000001"));
    }

    @Test
    void aForcedRemovalForgetsTheReferenceButKeepsTheBlobsADeploymentUsesUntilItIsGone() throws Exception {
        OciEngine engine = engine();
        Workload w = OciDaemonRestartTest.workload(data, "d-000000000002", TestSpec.builder("oci").artifact(registry.host + "/tools/hello:1").build());
        engine.fetch(w);
        engine.install(w);
        ImageStore store = new ImageStore(data.resolve("images"), ANONYMOUS);

        ImageRemoval removal = engine.remove(registry.host + "/tools/hello:1", true);

        assertThat(removal.references()).containsExactly(registry.host + "/tools/hello:1");
        assertThat(removal.gc().blobs()).isZero();
        assertThat(engine.images()).isEmpty();
        assertThat(store.blob(hello.layers().get(1))).exists();

        engine.delete(w);
        GcReport gc = engine.collectGarbage();

        assertThat(gc.blobs()).isEqualTo(4); // manifest, config, two layers
        assertThat(gc.layers()).isEqualTo(2);
        assertThat(gc.bytesFreed()).isPositive();
        assertThat(store.blob(hello.layers().get(1))).doesNotExist();
    }

    @Test
    void removingOneTagKeepsTheLayersAnotherImageShares() {
        OciEngine engine = engine();
        engine.pull(registry.host + "/tools/busybox:1", p -> { });
        engine.pull(registry.host + "/tools/hello:1", p -> { });
        ImageStore store = new ImageStore(data.resolve("images"), ANONYMOUS);

        ImageRemoval removal = engine.remove(registry.host + "/tools/hello:1", false);

        assertThat(removal.gc().blobs()).isEqualTo(3); // hello's manifest, config and its own top layer
        assertThat(store.blob(hello.layers().get(0))).exists(); // the busybox base both share
        assertThat(store.blob(hello.layers().get(1))).doesNotExist();
        assertThat(engine.images()).extracting(ImageInfo::digest).containsExactly(busybox.manifestDigest());
    }

    @Test
    void removingByDigestForgetsEveryTagOfTheImage() {
        OciEngine engine = engine();
        engine.pull(registry.host + "/tools/busybox:1", p -> { });
        engine.pull(registry.host + "/tools/busybox:latest", p -> { });

        ImageRemoval removal = engine.remove(busybox.manifestDigest(), false);

        assertThat(removal.references()).containsExactlyInAnyOrder(registry.host + "/tools/busybox:1", registry.host + "/tools/busybox:latest");
        assertThat(engine.images()).isEmpty();
    }

    @Test
    void badInputIsTheCallersToFix() {
        OciEngine engine = engine();
        assertThatThrownBy(() -> engine.pull("UPPER/Case", p -> { })).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("malformed repository");
        assertThatThrownBy(() -> engine.pull(registry.host + "/tools/nothing:1", p -> { })).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("has no manifest");
        assertThatThrownBy(() -> engine.remove(registry.host + "/tools/busybox:9", false)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("era images ls");
    }

    @Test
    void startingAContainerRecordsWhenTheImageWasLastUsed() throws Exception {
        Instant now = Instant.parse("2026-11-21T10:00:00Z");
        OciEngine engine = engine(Clock.fixed(now, ZoneOffset.UTC));
        Workload w = OciDaemonRestartTest.workload(data, "d-000000000003", TestSpec.builder("oci").artifact(registry.host + "/tools/hello:1").build());
        engine.fetch(w);
        engine.install(w);
        ExitRecorder exit = new ExitRecorder();

        engine.start(w, exit);
        exit.await(Duration.ofSeconds(10));
        engine.delete(w);

        assertThat(engine.images()).singleElement().satisfies(i -> assertThat(i.lastUsed()).contains(now));
    }
}
