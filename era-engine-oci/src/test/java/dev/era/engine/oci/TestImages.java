package dev.era.engine.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds small images from busybox-static and pushes them with {@link RegistryClient}. The base has
 * busybox with {@code /bin/sh} as a symlink, a hard link and files the next layer deletes; the next
 * layer has a whiteout, an opaque directory and a file owned by uid 1234 with mode 0640.
 */
final class TestImages {
    /** A pushed image: its manifest and layer digests (bottom first). */
    record Pushed(String manifestDigest, int manifestSize, List<String> layers, String configDigest) {}

    private TestImages() {
    }

    /** Layer 1: busybox, symlinks, a hard link and files to delete later. */
    static byte[] baseLayer(Path work) throws IOException, InterruptedException {
        Path d = Files.createDirectories(work.resolve("base"));
        Files.createDirectories(d.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), d.resolve("bin/busybox"));
        for (String applet : List.of("sh", "cat", "echo", "ls", "sleep", "pwd", "id", "true", "mv", "env")) {
            Files.createSymbolicLink(d.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Files.createDirectories(d.resolve("etc"));
        Files.writeString(d.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
        Files.writeString(d.resolve("etc/gone.txt"), "deleted by layer 2\n");
        Files.writeString(d.resolve("etc/hard1"), "linked\n");
        Files.createLink(d.resolve("etc/hard2"), d.resolve("etc/hard1"));
        Files.createDirectories(d.resolve("data/keep"));
        Files.writeString(d.resolve("data/keep/old.txt"), "hidden by the opaque dir\n");
        Files.createDirectories(d.resolve("tmp"));
        Files.createDirectories(d.resolve("proc"));
        Files.createDirectories(d.resolve("dev"));
        Files.createDirectories(d.resolve("sys"));
        return tarGz(d);
    }

    /** Layer 2: a whiteout, an opaque directory, an owned file. */
    static byte[] changesLayer(Path work) throws IOException, InterruptedException {
        Path d = Files.createDirectories(work.resolve("changes"));
        Files.createDirectories(d.resolve("etc"));
        Files.writeString(d.resolve("etc/.wh.gone.txt"), "");
        Files.createDirectories(d.resolve("data/keep"));
        Files.writeString(d.resolve("data/keep/.wh..wh..opq"), "");
        Files.writeString(d.resolve("data/keep/new.txt"), "only me\n");
        Files.createDirectories(d.resolve("home"));
        Path owned = Files.writeString(d.resolve("home/owned.txt"), "mine\n");
        Files.setAttribute(owned, "unix:uid", 1234);
        Files.setAttribute(owned, "unix:gid", 1234);
        Files.setPosixFilePermissions(owned, PosixFilePermissions.fromString("rw-r-----"));
        return tarGz(d);
    }

    static byte[] fileLayer(Path work, String name, String content) throws IOException, InterruptedException {
        Path d = Files.createDirectories(work.resolve("file-" + name));
        Files.writeString(d.resolve(name), content);
        return tarGz(d);
    }

    static byte[] tarGz(Path dir) throws IOException, InterruptedException {
        Path out = dir.resolveSibling(dir.getFileName() + ".tar.gz");
        Process p = new ProcessBuilder("tar", "--create", "--gzip", "--numeric-owner", "--sort=name", "--file", out.toString(),
                "--directory", dir.toString(), ".").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("tar failed: " + output);
        }
        return Files.readAllBytes(out);
    }

    /** Pushes the layers, a config running {@code cmd}, and an OCI manifest tagged {@code ref}'s tag. */
    static Pushed push(RegistryClient client, ImageRef ref, List<byte[]> layers, List<String> cmd) {
        return push(client, ref, layers, cmd, layers.stream().map(TestImages::diffId).toList());
    }

    /** As {@link #push(RegistryClient, ImageRef, List, List)} with the config's diff_ids given (tests lie with them). */
    static Pushed push(RegistryClient client, ImageRef ref, List<byte[]> layers, List<String> cmd, List<String> layerDiffIds) {
        StringBuilder layerJson = new StringBuilder();
        List<String> digests = new ArrayList<>();
        List<String> diffIds = layerDiffIds.stream().map(d -> "\"" + d + "\"").toList();
        for (byte[] layer : layers) {
            client.pushBlob(ref, layer);
            String digest = Digest.of(layer);
            digests.add(digest);
            layerJson.append(layerJson.isEmpty() ? "" : ",").append("""
                    {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}""".formatted(digest, layer.length));
        }
        String cmdJson = String.join(",", cmd.stream().map(c -> "\"" + c + "\"").toList());
        byte[] config = """
                {"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","FROM_IMAGE=yes"],"Cmd":[%s],"WorkingDir":"/"},
                 "rootfs":{"type":"layers","diff_ids":[%s]}}""".formatted(cmdJson, String.join(",", diffIds)).getBytes(StandardCharsets.UTF_8);
        client.pushBlob(ref, config);
        byte[] manifest = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[%s]}""".formatted(Digest.of(config), config.length, layerJson).getBytes(StandardCharsets.UTF_8);
        client.pushManifest(ref, ref.tag(), RegistryClient.OCI_MANIFEST, manifest);
        return new Pushed(Digest.of(manifest), manifest.length, digests, Digest.of(config));
    }

    /** Pushes an index under {@code tag} offering {@code arm64} first and {@code amd64} second. */
    static String pushIndex(RegistryClient client, ImageRef ref, String tag, Pushed arm64, Pushed amd64) {
        byte[] index = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"os":"linux","architecture":"arm64"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"os":"linux","architecture":"amd64"}}]}"""
                .formatted(arm64.manifestDigest(), arm64.manifestSize(), amd64.manifestDigest(), amd64.manifestSize()).getBytes(StandardCharsets.UTF_8);
        client.pushManifest(ref, tag, RegistryClient.OCI_INDEX, index);
        return Digest.of(index);
    }

    /** The sha256 of the uncompressed tar, as an image config's rootfs.diff_ids holds it. */
    static String diffId(byte[] gzipped) {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzipped))) {
            return Digest.of(in.readAllBytes());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Pushes the two test layers (base, then changes with a whiteout, a hard link and a symlink) as
     * {@code <registry>/tools/<name>} with {@code cmd}, building them under {@code dir/layers}.
     *
     * @return the image reference
     */
    static String pushTwoLayers(TestRegistry registry, Path dir, String name, List<String> cmd) throws Exception {
        Path work = Files.createDirectories(dir.resolve("layers"));
        String image = registry.host + "/tools/" + name;
        push(new RegistryClient(Map.of()), ImageRef.parse(image), List.of(baseLayer(work), changesLayer(work)), cmd);
        return image;
    }
}
