package dev.era.engine.oci;

import dev.era.api.EngineException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pulls from a real docker-registry on loopback, holding images the test builds from busybox-static. */
class ImagePullTest {
    @TempDir
    static Path shared;
    @TempDir
    Path dir;

    static TestRegistry registry;
    static RegistryClient anonymous = new RegistryClient(Map.of());
    static TestImages.Pushed busybox;
    static TestImages.Pushed hello;
    static byte[] base;

    @BeforeAll
    static void pushImages() throws Exception {
        registry = TestRegistry.start(Files.createDirectories(shared.resolve("registry")));
        Path work = Files.createDirectories(shared.resolve("layers"));
        base = TestImages.baseLayer(work);
        byte[] changes = TestImages.changesLayer(work);
        busybox = TestImages.push(anonymous, ref("tools/busybox:1"), List.of(base, changes), List.of("sh"));
        hello = TestImages.push(anonymous, ref("tools/hello:1"), List.of(base, TestImages.fileLayer(work, "hello.txt", "hi\n")),
                List.of("cat", "/hello.txt"));
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        registry.close();
    }

    static ImageRef ref(String repoAndTag) {
        return ImageRef.parse(registry.host + "/" + repoAndTag);
    }

    private ImageStore store(RegistryClient client) {
        return new ImageStore(dir.resolve("images"), client);
    }

    @Test
    void aPullByTagStoresVerifiedBlobsAndUnpacksLinksOwnersAndModes() throws Exception {
        ImageStore store = store(anonymous);

        Image image = store.pull(ref("tools/busybox:1"));

        assertThat(image.manifestDigest()).isEqualTo(busybox.manifestDigest());
        assertThat(image.cmd()).containsExactly("sh");
        assertThat(image.env()).contains("FROM_IMAGE=yes");
        assertThat(image.layers()).extracting(Image.Layer::digest).containsExactlyElementsOf(busybox.layers());
        for (String digest : busybox.layers()) {
            assertThat(Digest.of(Files.readAllBytes(store.blob(digest)))).isEqualTo(digest);
        }
        Path lower = store.layerDir(busybox.layers().get(0));
        assertThat(Files.readSymbolicLink(lower.resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
        assertThat(Files.getAttribute(lower.resolve("etc/hard1"), "unix:ino"))
                .isEqualTo(Files.getAttribute(lower.resolve("etc/hard2"), "unix:ino"));
        Path upper = store.layerDir(busybox.layers().get(1));
        assertThat(Files.getAttribute(upper.resolve("home/owned.txt"), "unix:uid")).isEqualTo(1234);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(upper.resolve("home/owned.txt")))).isEqualTo("rw-r-----");
        // whiteouts are in overlayfs form: a 0/0 character device, and no .wh. files left
        assertThat((int) Files.getAttribute(upper.resolve("etc/gone.txt"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000)
                .isEqualTo(0020000);
        assertThat((long) Files.getAttribute(upper.resolve("etc/gone.txt"), "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isZero();
        assertThat(upper.resolve("etc/.wh.gone.txt")).doesNotExist();
        assertThat(upper.resolve("data/keep/.wh..wh..opq")).doesNotExist();
        assertThat(store.list()).containsEntry(registry.host + "/tools/busybox:1", busybox.manifestDigest());
    }

    @Test
    void theUnpackedLayersStackUnderOverlayfsWithWhiteoutsAndOpaqueDirectories() throws Exception {
        ImageStore store = store(anonymous);
        Image image = store.pull(ref("tools/busybox:1"));

        try (Rootfs rootfs = Rootfs.mount(store, image, Files.createDirectories(dir.resolve("container")))) {
            Path root = rootfs.path();
            assertThat(Files.exists(root.resolve("etc/gone.txt"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            assertThat(root.resolve("etc/passwd")).exists();
            try (var listing = Files.list(root.resolve("data/keep"))) {
                assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("new.txt");
            }
            Files.writeString(root.resolve("etc/written"), "per container\n");
        }
        assertThat(store.layerDir(image.layers().getLast().digest()).resolve("etc/written")).doesNotExist();
        assertThat(dir.resolve("container/upper/etc/written")).exists();
    }

    @Test
    void aPullOfAnIndexTakesTheLinuxAmd64Manifest() throws Exception {
        Path work = Files.createDirectories(dir.resolve("layers"));
        TestImages.Pushed arm = TestImages.push(anonymous, ref("tools/multi:arm"), List.of(TestImages.fileLayer(work, "a", "arm\n")), List.of("a"));
        TestImages.Pushed amd = TestImages.push(anonymous, ref("tools/multi:amd"), List.of(TestImages.fileLayer(work, "b", "amd\n")), List.of("b"));
        String indexDigest = TestImages.pushIndex(anonymous, ref("tools/multi:1"), "1", arm, amd);
        ImageStore store = store(anonymous);

        Image image = store.pull(ref("tools/multi:1"));

        assertThat(image.manifestDigest()).isEqualTo(amd.manifestDigest());
        assertThat(image.cmd()).containsExactly("b");
        assertThat(store.blob(indexDigest)).exists();
    }

    @Test
    void aPullByDigestNeedsNoTag() {
        ImageStore store = store(anonymous);

        Image image = store.pull(ref("tools/hello@" + hello.manifestDigest()));

        assertThat(image.cmd()).containsExactly("cat", "/hello.txt");
        assertThat(store.local(ref("tools/hello@" + hello.manifestDigest()))).contains(image);
    }

    @Test
    void aTamperedBlobIsRefusedWithItsDigest() throws Exception {
        Path work = Files.createDirectories(dir.resolve("layers"));
        TestImages.Pushed victim = TestImages.push(anonymous, ref("tools/victim:1"),
                List.of(TestImages.fileLayer(work, "victim.txt", "original content\n")), List.of("true"));
        String layer = victim.layers().getFirst();
        byte[] data = Files.readAllBytes(registry.blobData(layer));
        data[data.length / 2] ^= 0x55;
        Files.write(registry.blobData(layer), data);
        ImageStore store = store(anonymous);

        assertThatThrownBy(() -> store.pull(ref("tools/victim:1")))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("blob " + layer)
                .hasMessageContaining("refusing it");
        assertThat(store.blob(layer)).doesNotExist();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void aLayerThatDoesNotMatchItsDiffIdIsRefused() throws Exception {
        byte[] layer = TestImages.fileLayer(Files.createDirectories(dir.resolve("layers")), "liar.txt", "content\n");
        String lie = Digest.of("something else".getBytes());
        TestImages.push(anonymous, ref("tools/liar:1"), List.of(layer), List.of("true"), List.of(lie));
        ImageStore store = store(anonymous);

        assertThatThrownBy(() -> store.pull(ref("tools/liar:1")))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("layer " + Digest.of(layer))
                .hasMessageContaining("diff_id for it is " + lie);
        assertThat(store.layerDir(Digest.of(layer))).doesNotExist();
    }

    @Test
    void aBearerChallengeIsAnsweredWithATokenFetchedWithTheCredentials() throws Exception {
        try (AuthProxy proxy = new AuthProxy(registry.host, AuthProxy.Mode.BEARER)) {
            ImageStore store = store(new RegistryClient(Map.of(proxy.host, new RegistryAuth.Credentials(AuthProxy.USER, AuthProxy.PASSWORD))));

            Image image = store.pull(ImageRef.parse(proxy.host + "/tools/hello:1"));

            assertThat(image.manifestDigest()).isEqualTo(hello.manifestDigest());
            assertThat(proxy.tokenScopes).first().asString().contains("service=test-registry").contains("scope=repository:tools/hello:pull");
        }
    }

    @Test
    void wrongCredentialsAreRefusedWithAMessageNamingTheUser() throws Exception {
        try (AuthProxy proxy = new AuthProxy(registry.host, AuthProxy.Mode.BEARER)) {
            ImageStore store = store(new RegistryClient(Map.of(proxy.host, new RegistryAuth.Credentials("mallory", "guess"))));

            assertThatThrownBy(() -> store.pull(ImageRef.parse(proxy.host + "/tools/hello:1")))
                    .isInstanceOf(EngineException.class).hasMessageContaining("user 'mallory'");
        }
    }

    @Test
    void basicAuthIsAnsweredWithTheCredentials() throws Exception {
        try (AuthProxy proxy = new AuthProxy(registry.host, AuthProxy.Mode.BASIC)) {
            ImageStore store = store(new RegistryClient(Map.of(proxy.host, new RegistryAuth.Credentials(AuthProxy.USER, AuthProxy.PASSWORD))));

            assertThat(store.pull(ImageRef.parse(proxy.host + "/tools/hello:1")).manifestDigest()).isEqualTo(hello.manifestDigest());
            assertThatThrownBy(() -> store(anonymous).pull(ImageRef.parse(proxy.host + "/tools/busybox:1")))
                    .isInstanceOf(EngineException.class).hasMessageContaining("configure credentials");
        }
    }

    @Test
    void anInterruptedDownloadResumesWithARangeRequest() throws Exception {
        try (AuthProxy proxy = new AuthProxy(registry.host, AuthProxy.Mode.BASIC)) {
            ImageStore store = store(new RegistryClient(Map.of(proxy.host, new RegistryAuth.Credentials(AuthProxy.USER, AuthProxy.PASSWORD))));
            String layer = hello.layers().getFirst();
            Path partial = store.blob(layer).resolveSibling(Digest.hex(layer) + ".partial");
            Files.createDirectories(partial.getParent());
            Files.write(partial, java.util.Arrays.copyOf(base, base.length / 2));

            store.pull(ImageRef.parse(proxy.host + "/tools/hello:1"));

            assertThat(proxy.ranges).containsExactly("bytes=" + base.length / 2 + "-");
            assertThat(Files.readAllBytes(store.blob(layer))).isEqualTo(base);
            assertThat(partial).doesNotExist();
        }
    }

    @Test
    void gcDeletesWhatNoReferenceReachesAndKeepsSharedLayers() {
        ImageStore store = store(anonymous);
        store.pull(ref("tools/busybox:1"));
        store.pull(ref("tools/hello:1"));

        store.remove(ref("tools/hello:1"));
        Set<String> deleted = store.gc(Set.of());

        assertThat(deleted).contains(hello.manifestDigest(), hello.configDigest(), hello.layers().get(1))
                .doesNotContain(busybox.layers().get(0));
        assertThat(store.layerDir(hello.layers().get(1))).doesNotExist();
        assertThat(store.layerDir(busybox.layers().get(0))).isDirectory();
        assertThat(store.gc(Set.of())).isEmpty();
    }

    @Test
    void anImageInUseSurvivesGcAfterItsReferenceIsRemoved() {
        ImageStore store = store(anonymous);
        Image image = store.pull(ref("tools/hello:1"));
        store.remove(ref("tools/hello:1"));

        store.gc(Set.of(image.manifestDigest()));

        assertThat(store.load("hello", image.manifestDigest())).isEqualTo(image);
        assertThat(store.layerDir(image.layers().getLast().digest())).isDirectory();
    }
}
