package dev.era.engine.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.api.EngineException;
import dev.era.api.PullProgress;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The content-addressed image cache in {@code <data>/images}, shared by every container:
 * {@code blobs/sha256/<hex>} (manifests, configs, layers, each verified before it lands),
 * {@code layers/sha256/<hex>/} (each layer unpacked once, whiteouts in overlayfs form) and
 * {@code refs/<registry>/<repository>/<tag>} (the manifest digest a pulled reference resolved to).
 */
final class ImageStore {
    private static final String ARCH = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> "amd64";
        case "aarch64", "arm64" -> "arm64";
        default -> System.getProperty("os.arch");
    };

    private final Path root;
    private final RegistryClient registry;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    /** Pulls share it; a garbage collection takes it alone, so it never deletes what a pull has fetched but not yet referenced. */
    private final ReentrantReadWriteLock collecting = new ReentrantReadWriteLock();

    /** What one garbage collection deleted. */
    record Collected(Set<String> digests, int blobs, int layers, long bytes) {}

    ImageStore(Path root, RegistryClient registry) {
        this.root = root;
        this.registry = registry;
    }

    Path root() {
        return root;
    }

    Path blob(String digest) {
        return root.resolve("blobs").resolve("sha256").resolve(Digest.hex(digest));
    }

    /** The unpacked directory of layer {@code digest}, a lowerdir for overlayfs. */
    Path layerDir(String digest) {
        return root.resolve("layers").resolve("sha256").resolve(Digest.hex(digest));
    }

    /**
     * Pulls {@code ref} (for linux on this machine's architecture): the manifest, then the config and the layers
     * in parallel, each skipped when already here; then unpacks the layers not unpacked yet.
     */
    Image pull(ImageRef ref) {
        return pull(ref, p -> { });
    }

    /** As {@link #pull(ImageRef)}, telling {@code progress} (from several threads, one at a time) how it goes. */
    Image pull(ImageRef ref, Consumer<PullProgress> progress) {
        Consumer<PullProgress> report = p -> {
            synchronized (progress) {
                progress.accept(p);
            }
        };
        collecting.readLock().lock();
        try {
            return pullLocked(ref, report);
        } finally {
            collecting.readLock().unlock();
        }
    }

    private Image pullLocked(ImageRef ref, Consumer<PullProgress> progress) {
        RegistryClient.Fetched top = registry.manifest(ref, ref.manifestReference());
        List<String> roots = new ArrayList<>();
        RegistryClient.Fetched manifest = top;
        if (isIndex(top)) {
            store(top.digest(), top.body());
            roots.add(top.digest());
            manifest = registry.manifest(ref, platformManifest(ref, top));
        }
        store(manifest.digest(), manifest.body());
        Image.Manifest m = Image.manifest(ref.toString(), manifest.body());
        fetch(ref, m.configDigest(), m.configSize()); // first: it holds the diff_ids the layers are checked against
        List<String> diffIds = Image.diffIds(ref.toString(), readBytes(blob(m.configDigest())));
        if (diffIds.size() != m.layers().size()) {
            throw new EngineException("image " + ref + ": the manifest lists " + m.layers().size() + " layers but the config "
                    + m.configDigest() + " has " + diffIds.size() + " diff_ids; the image is inconsistent, refusing it",
                    Map.of("image", ref.toString()));
        }
        progress.accept(new PullProgress.Resolved(ref.toString(), manifest.digest(), m.layers().stream()
                .map(l -> new PullProgress.LayerSize(l.digest(), l.size())).toList()));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < m.layers().size(); i++) {
                Image.Layer layer = m.layers().get(i);
                String diffId = diffIds.get(i);
                jobs.add(pool.submit(() -> {
                    fetchLayer(ref, layer, progress);
                    unpack(ref, layer, diffId);
                    progress.accept(new PullProgress.Layer(layer.digest(), PullProgress.LayerState.UNPACKED,
                            Math.max(layer.size(), 0), layer.size()));
                }));
            }
            for (Future<?> job : jobs) {
                join(job);
            }
        }
        roots.addFirst(manifest.digest());
        writeRef(ref, roots);
        return load(ref.toString(), manifest.digest());
    }

    /** The image {@code ref} resolved to when it was last pulled, without asking the registry. */
    Optional<Image> local(ImageRef ref) {
        Path file = refFile(ref);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String digest = read(file).getFirst();
        return Files.exists(blob(digest)) ? Optional.of(load(ref.toString(), digest)) : Optional.empty();
    }

    /** Every pulled reference with its manifest digest. */
    Map<String, String> list() {
        Map<String, String> out = new java.util.TreeMap<>();
        Path refs = root.resolve("refs");
        if (!Files.isDirectory(refs)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(refs)) {
            files.filter(Files::isRegularFile).forEach(f -> out.put(refName(refs.relativize(f)), read(f).getFirst()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** When {@code ref} was last pulled (its record's modification time). */
    java.time.Instant pulledAt(ImageRef ref) {
        try {
            return Files.getLastModifiedTime(refFile(ref)).toInstant();
        } catch (IOException e) {
            return java.time.Instant.EPOCH;
        }
    }

    /** Notes that a container started on image {@code manifestDigest} at {@code at}. */
    void markUsed(String manifestDigest, java.time.Instant at) {
        Path file = root.resolve("used").resolve(Digest.hex(manifestDigest));
        try {
            mkdirs(file.getParent());
            Files.writeString(file, at.toString());
        } catch (IOException e) {
            // only ls's LAST USED column depends on it; a start must not fail over it
        }
    }

    /** When a container last started on image {@code manifestDigest}. */
    Optional<java.time.Instant> lastUsed(String manifestDigest) {
        Path file = root.resolve("used").resolve(Digest.hex(manifestDigest));
        try {
            return Files.exists(file) ? Optional.of(java.time.Instant.parse(Files.readString(file).strip())) : Optional.empty();
        } catch (IOException | java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The platform manifest of {@code manifestDigest}, as stored. */
    Image.Manifest manifest(String manifestDigest) {
        return Image.manifest(manifestDigest, readBytes(blob(manifestDigest)));
    }

    long blobSize(String digest) {
        try {
            return Files.size(blob(digest));
        } catch (IOException e) {
            return 0;
        }
    }

    /** Forgets a pulled reference; its blobs go at the next {@link #gc}. */
    boolean remove(ImageRef ref) {
        try {
            return Files.deleteIfExists(refFile(ref));
        } catch (IOException e) {
            throw new EngineException("cannot remove image " + ref + " from " + root + ": " + e.getMessage(), Map.of("image", ref.toString()), e);
        }
    }

    /**
     * Deletes every blob and unpacked layer that no reference and no digest of {@code inUse} (manifest
     * digests of images that containers run on) reaches. Returns the digests it deleted.
     */
    Set<String> gc(Set<String> inUse) {
        return collect(inUse).digests();
    }

    /** As {@link #gc}, counting what it deleted; waits for running pulls to finish first. */
    Collected collect(Set<String> inUse) {
        collecting.writeLock().lock();
        try {
            return collectLocked(inUse);
        } finally {
            collecting.writeLock().unlock();
        }
    }

    private Collected collectLocked(Set<String> inUse) {
        Set<String> keep = new HashSet<>();
        Set<String> manifests = new HashSet<>(inUse);
        list().keySet().forEach(r -> manifests.addAll(read(refFile(ImageRef.parse(r)))));
        for (String digest : manifests) {
            keep.add(digest);
            if (!Files.exists(blob(digest))) {
                continue;
            }
            byte[] body = readBytes(blob(digest));
            if (Image.read(digest, body).has("manifests")) {
                continue; // an index kept for its reference; its platform manifest is a root of its own
            }
            Image.Manifest m = Image.manifest(digest, body);
            keep.add(m.configDigest());
            m.layers().forEach(l -> keep.add(l.digest()));
        }
        Set<String> deleted = new HashSet<>();
        int[] counts = new int[2];
        long bytes = 0;
        List<String> dirs = List.of("blobs", "layers");
        for (int d = 0; d < dirs.size(); d++) {
            Path base = root.resolve(dirs.get(d)).resolve("sha256");
            if (!Files.isDirectory(base)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(base)) {
                for (Path p : entries.toList()) {
                    String name = p.getFileName().toString();
                    String digest = "sha256:" + name;
                    if (Digest.isValid(digest) && !keep.contains(digest)) {
                        bytes += Trees.size(p);
                        Trees.delete(p);
                        deleted.add(digest);
                        counts[d]++;
                    }
                }
            } catch (IOException e) {
                throw new EngineException("cannot collect unused images in " + root + ": " + e.getMessage(), Map.of(), e);
            }
        }
        return new Collected(Set.copyOf(deleted), counts[0], counts[1], bytes);
    }

    Image load(String what, String manifestDigest) {
        Image.Manifest m = Image.manifest(what, readBytes(blob(manifestDigest)));
        return Image.of(what, manifestDigest, m, readBytes(blob(m.configDigest())));
    }

    private static boolean isIndex(RegistryClient.Fetched f) {
        return f.mediaType().equals(RegistryClient.OCI_INDEX) || f.mediaType().equals(RegistryClient.DOCKER_LIST)
                || Image.read("index", f.body()).has("manifests");
    }

    private static String platformManifest(ImageRef ref, RegistryClient.Fetched index) {
        List<String> offered = new ArrayList<>();
        for (JsonNode m : Image.read(ref.toString(), index.body()).path("manifests")) {
            String os = m.path("platform").path("os").asText("");
            String arch = m.path("platform").path("architecture").asText("");
            if (os.equals("linux") && arch.equals(ARCH) && Digest.isValid(m.path("digest").asText(""))) {
                return m.path("digest").asText();
            }
            offered.add(os + "/" + arch);
        }
        throw new EngineException("image " + ref + " has no linux/" + ARCH + " variant (it offers " + offered
                + "); build or pick an image for this machine", Map.of("image", ref.toString(), "offered", offered));
    }

    private void fetch(ImageRef ref, String digest, long size) {
        synchronized (lock(digest)) {
            Path target = blob(digest);
            if (Files.exists(target)) {
                return;
            }
            mkdirs(target.getParent());
            registry.blob(ref, digest, size, target);
        }
    }

    /** Fetches a layer blob, reporting its bytes every 2% (at least every 256 KiB) so a large layer stays cheap to watch. */
    private void fetchLayer(ImageRef ref, Image.Layer layer, Consumer<PullProgress> progress) {
        String digest = layer.digest();
        long size = layer.size();
        synchronized (lock(digest)) {
            Path target = blob(digest);
            if (Files.exists(target)) {
                progress.accept(new PullProgress.Layer(digest, PullProgress.LayerState.CACHED, Math.max(size, 0), size));
                return;
            }
            mkdirs(target.getParent());
            long step = Math.max(256 << 10, size / 50);
            long[] reported = {-1};
            registry.blob(ref, digest, size, target, done -> {
                if (reported[0] < 0 || done - reported[0] >= step) {
                    reported[0] = done;
                    progress.accept(new PullProgress.Layer(digest, PullProgress.LayerState.DOWNLOADING, done, size));
                }
            });
            progress.accept(new PullProgress.Layer(digest, PullProgress.LayerState.DOWNLOADED, Math.max(size, 0), size));
        }
    }

    private void unpack(ImageRef ref, Image.Layer layer, String diffId) {
        synchronized (lock("layer " + layer.digest())) {
            Path target = layerDir(layer.digest());
            if (Files.isDirectory(target)) {
                return;
            }
            Path staging = root.resolve("tmp").resolve(Digest.hex(layer.digest()) + "-" + ProcessHandle.current().pid());
            try {
                Trees.delete(staging);
                mkdirs(staging);
                LayerUnpacker.unpack(blob(layer.digest()), staging, diffId);
                mkdirs(target.getParent());
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Trees.deleteQuietly(staging);
                throw new EngineException("image " + ref + ": cannot unpack layer " + layer.digest() + ": " + e.getMessage()
                        + "; check disk space and that the daemon runs as root", Map.of("image", ref.toString(), "digest", layer.digest()), e);
            }
        }
    }

    private void store(String digest, byte[] body) {
        Path target = blob(digest);
        if (Files.exists(target)) {
            return;
        }
        mkdirs(target.getParent());
        Path tmp = target.resolveSibling(Digest.hex(digest) + ".tmp" + Thread.currentThread().threadId());
        try {
            Files.write(tmp, body);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EngineException("cannot write " + target + ": " + e.getMessage() + "; check disk space", Map.of("digest", digest), e);
        }
    }

    private Path refFile(ImageRef ref) {
        String leaf = ref.tag().isEmpty() ? ref.digest().replace(':', '_') : ref.tag();
        if (!ref.tag().isEmpty() && !ref.digest().isEmpty()) {
            leaf = ref.tag() + "@" + ref.digest().replace(':', '_');
        }
        return root.resolve("refs").resolve(ref.registry()).resolve(ref.repository()).resolve(leaf);
    }

    private static String refName(Path relative) {
        String leaf = relative.getFileName().toString().replace("sha256_", "sha256:");
        String repo = relative.getParent().toString();
        return repo + (leaf.startsWith("sha256:") ? "@" + leaf : ":" + leaf);
    }

    private void writeRef(ImageRef ref, List<String> digests) {
        Path file = refFile(ref);
        mkdirs(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, String.join("\n", digests) + "\n");
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EngineException("cannot record image " + ref + " in " + file + ": " + e.getMessage(), Map.of("image", ref.toString()), e);
        }
    }

    private static List<String> read(Path file) {
        return Stream.of(new String(readBytes(file), StandardCharsets.UTF_8).split("\n")).filter(Digest::isValid).toList();
    }

    private static byte[] readBytes(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new EngineException("cannot read " + file + " from the image store: " + e.getMessage()
                    + "; pull the image again", Map.of("file", file.toString()), e);
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new EngineException("cannot create " + dir + ": " + e.getMessage(), Map.of("dir", dir.toString()), e);
        }
    }

    private static void join(Future<?> job) {
        try {
            job.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new EngineException("pull failed: " + e.getCause(), Map.of(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while pulling", Map.of(), e);
        }
    }

    private Object lock(String key) {
        return locks.computeIfAbsent(key, k -> new Object());
    }
}
