package dev.era.engine.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.api.EngineException;

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
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i = 0; i < m.layers().size(); i++) {
                Image.Layer layer = m.layers().get(i);
                String diffId = diffIds.get(i);
                jobs.add(pool.submit(() -> {
                    fetch(ref, layer.digest(), layer.size());
                    unpack(ref, layer, diffId);
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
    synchronized Set<String> gc(Set<String> inUse) {
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
        for (String dir : List.of("blobs", "layers")) {
            Path base = root.resolve(dir).resolve("sha256");
            if (!Files.isDirectory(base)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(base)) {
                for (Path p : entries.toList()) {
                    String name = p.getFileName().toString();
                    String digest = "sha256:" + name;
                    if (Digest.isValid(digest) && !keep.contains(digest)) {
                        Trees.delete(p);
                        deleted.add(digest);
                    }
                }
            } catch (IOException e) {
                throw new EngineException("cannot collect unused images in " + root + ": " + e.getMessage(), Map.of(), e);
            }
        }
        return deleted;
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
