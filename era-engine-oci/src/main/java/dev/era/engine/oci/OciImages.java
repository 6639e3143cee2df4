package dev.era.engine.oci;

import dev.era.api.ConflictException;
import dev.era.api.GcReport;
import dev.era.api.ImageInfo;
import dev.era.api.ImageRemoval;
import dev.era.api.NotFoundException;
import dev.era.api.PullProgress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The image cache as users see it ({@code era images}): images grouped by manifest digest, and
 * which deployments use them. A deployment uses an image when one of its installed versions is
 * pinned to it ({@code <data>/deployments/<id>/v<N>/image}, written by the engine's install): such
 * an image is not removed without force, and its blobs survive every garbage collection.
 */
final class OciImages {
    private final ImageStore store;
    private final Path deployments;

    OciImages(ImageStore store, Path deployments) {
        this.store = store;
        this.deployments = deployments;
    }

    List<ImageInfo> images() {
        Map<String, List<String>> byDigest = new TreeMap<>();
        store.list().forEach((ref, digest) -> byDigest.computeIfAbsent(digest, d -> new ArrayList<>()).add(ref));
        Map<String, Set<String>> usage = usage();
        List<ImageInfo> out = new ArrayList<>();
        byDigest.forEach((digest, refs) -> {
            if (Files.exists(store.blob(digest))) {
                out.add(info(digest, refs, usage));
            }
        });
        return out;
    }

    ImageInfo pull(String reference, Consumer<PullProgress> progress) {
        ImageRef ref = ImageRef.parseRequest(reference);
        Image image = store.pull(ref, progress);
        List<String> refs = new ArrayList<>();
        store.list().forEach((r, d) -> {
            if (d.equals(image.manifestDigest())) {
                refs.add(r);
            }
        });
        return info(image.manifestDigest(), refs, usage());
    }

    ImageRemoval remove(String reference, boolean force) {
        Map<String, String> all = store.list();
        List<String> refs = new ArrayList<>();
        String digest;
        if (Digest.isValid(reference.strip())) {
            digest = reference.strip();
            all.forEach((r, d) -> {
                if (d.equals(digest)) {
                    refs.add(r);
                }
            });
        } else {
            String key = ImageRef.parseRequest(reference).toString();
            digest = all.getOrDefault(key, "");
            if (!digest.isEmpty()) {
                refs.add(key);
            }
        }
        if (refs.isEmpty()) {
            throw new NotFoundException("no pulled image has reference '" + reference + "'; `era images ls` (GET /images) lists them",
                    Map.of("reference", reference));
        }
        Set<String> users = usage().getOrDefault(digest, Set.of());
        if (!users.isEmpty() && !force) {
            throw new ConflictException("image " + String.join(", ", refs) + " (" + digest + ") is used by deployment"
                    + (users.size() == 1 ? " " : "s ") + String.join(", ", users) + "; remove " + (users.size() == 1 ? "it" : "them")
                    + " first (era rm ID), or remove the image with force (its blobs stay while a deployment uses them)",
                    Map.of("reference", reference, "digest", digest, "usedBy", List.copyOf(users)));
        }
        for (String r : refs) {
            store.remove(ImageRef.parse(r));
        }
        return new ImageRemoval(refs, collectGarbage());
    }

    GcReport collectGarbage() {
        ImageStore.Collected c = store.collect(usage().keySet());
        return new GcReport(c.blobs(), c.layers(), c.bytes());
    }

    private ImageInfo info(String digest, List<String> refs, Map<String, Set<String>> usage) {
        Image.Manifest m = store.manifest(digest);
        long size = store.blobSize(digest) + store.blobSize(m.configDigest());
        for (Image.Layer l : m.layers()) {
            size += l.size() > 0 ? l.size() : store.blobSize(l.digest());
        }
        Instant pulled = Instant.EPOCH;
        for (String r : refs) {
            Instant at = store.pulledAt(ImageRef.parse(r));
            pulled = at.isAfter(pulled) ? at : pulled;
        }
        return new ImageInfo(digest, refs.stream().sorted().toList(), size, m.layers().size(), pulled, store.lastUsed(digest),
                List.copyOf(usage.getOrDefault(digest, Set.of())));
    }

    /** Manifest digest to the deployments with an installed version pinned to it. */
    private Map<String, Set<String>> usage() {
        Map<String, Set<String>> out = new TreeMap<>();
        if (!Files.isDirectory(deployments)) {
            return out;
        }
        try (Stream<Path> ids = Files.list(deployments)) {
            for (Path dir : ids.toList()) {
                try (Stream<Path> versions = Files.list(dir)) {
                    for (Path pin : versions.map(v -> v.resolve("image")).filter(Files::isRegularFile).toList()) {
                        String digest = Files.readString(pin).strip();
                        if (Digest.isValid(digest)) {
                            out.computeIfAbsent(digest, d -> new TreeSet<>()).add(dir.getFileName().toString());
                        }
                    }
                } catch (IOException e) {
                    // a deployment removed while we looked, or not a directory
                }
            }
        } catch (IOException e) {
            throw new dev.era.api.EngineException("cannot read which deployments use images in " + deployments + ": "
                    + e.getMessage(), Map.of("dir", deployments.toString()), e);
        }
        return out;
    }
}
