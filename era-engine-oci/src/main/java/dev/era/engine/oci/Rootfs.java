package dev.era.engine.oci;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's root filesystem: the image's unpacked layers as overlayfs lowerdirs (shared, never
 * written) under the container's own {@code upper} and {@code work} directories, mounted at
 * {@code <dir>/rootfs}. Mounting is idempotent: an existing mount (after a daemon restart) is kept.
 * The mount is made with mount(2) through FFM rather than mount(8), because a container start is
 * measured in milliseconds.
 */
final class Rootfs implements AutoCloseable {
    private static final int MNT_DETACH = 2;
    private static final int EINVAL = 22;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(StructLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MOUNT = function("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle UMOUNT2 = function("umount2",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private final Path dir;

    private Rootfs(Path dir) {
        this.dir = dir;
    }

    private static MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    /** The root filesystem of the container whose files are in {@code dir}, mounted or not. */
    static Rootfs at(Path dir) {
        return new Rootfs(dir);
    }

    /** Mounts {@code image}'s layers under the container directory {@code dir} unless already mounted. */
    static Rootfs mount(ImageStore store, Image image, Path dir) throws IOException {
        Rootfs rootfs = new Rootfs(dir);
        rootfs.mount(store, image);
        return rootfs;
    }

    void mount(ImageStore store, Image image) throws IOException {
        Path rootfs = Files.createDirectories(path());
        if (mounted()) {
            return;
        }
        Files.createDirectories(dir.resolve("upper"));
        Files.createDirectories(dir.resolve("work"));
        List<String> lowers = new ArrayList<>();
        for (Image.Layer layer : image.layers().reversed()) { // overlayfs lists the top layer first
            Path lower = store.layerDir(layer.digest());
            if (!Files.isDirectory(lower)) {
                throw new IOException("layer " + layer.digest() + " is not unpacked in " + store.root() + "; pull the image again");
            }
            lowers.add(lower.toString());
        }
        if (lowers.isEmpty()) {
            lowers.add(Files.createDirectories(dir.resolve("empty")).toString()); // overlayfs needs one lowerdir
        }
        String options = "lowerdir=" + String.join(":", lowers) + ",upperdir=" + dir.resolve("upper") + ",workdir=" + dir.resolve("work");
        call(MOUNT, "mount overlay on " + rootfs + " (" + lowers.size() + " layers)", "overlay", rootfs.toString(), "overlay", options);
    }

    Path path() {
        return dir.resolve("rootfs");
    }

    boolean mounted() throws IOException {
        String target = " " + path().toAbsolutePath() + " ";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(target)) {
                return true;
            }
        }
        return false;
    }

    /** Unmounts (lazily, so that a process still inside does not block it); quiet when not mounted. */
    @Override
    public void close() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(path().toString(), StandardCharsets.UTF_8), MNT_DETACH);
            int errno = rc == 0 ? 0 : (int) ERRNO.get(state, 0L);
            if (rc != 0 && errno != EINVAL && errno != 2) {
                throw new IOException("umount " + path() + " failed with errno " + errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void call(MethodHandle mount, String what, String source, String target, String type, String data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) mount.invokeExact(state, arena.allocateFrom(source, StandardCharsets.UTF_8),
                    arena.allocateFrom(target, StandardCharsets.UTF_8), arena.allocateFrom(type, StandardCharsets.UTF_8), 0L,
                    arena.allocateFrom(data, StandardCharsets.UTF_8));
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IOException(what + " failed with errno " + errno + (errno == 1 ? " (EPERM: needs root)" : "")
                        + (errno == 19 ? " (ENODEV: load the overlay kernel module)" : ""));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
