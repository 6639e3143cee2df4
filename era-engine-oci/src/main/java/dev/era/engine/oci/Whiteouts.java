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
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Turns an unpacked layer's OCI whiteouts into overlayfs's own form, so that the layer can be a
 * lowerdir as it is: {@code .wh.NAME} becomes a 0/0 character device {@code NAME}, and a
 * directory holding {@code .wh..wh..opq} gets {@code trusted.overlay.opaque=y}. Needs root
 * (CAP_MKNOD, CAP_SYS_ADMIN for trusted xattrs), as overlayfs itself does.
 */
final class Whiteouts {
    static final String PREFIX = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    private static final int S_IFCHR = 0020000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(StructLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MKNOD = function("mknod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSETXATTR = function("lsetxattr", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private Whiteouts() {
    }

    private static MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    /** Converts every whiteout under {@code layer}; returns how many it converted. */
    static int convert(Path layer) throws IOException {
        int[] count = {0};
        Files.walkFileTree(layer, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                if (name.equals(OPAQUE)) {
                    Files.delete(file);
                    setxattr(file.getParent(), "trusted.overlay.opaque", "y");
                    count[0]++;
                } else if (name.startsWith(PREFIX)) {
                    Files.delete(file);
                    mknodWhiteout(file.resolveSibling(name.substring(PREFIX.length())));
                    count[0]++;
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return count[0];
    }

    static void mknodWhiteout(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString(), StandardCharsets.UTF_8), S_IFCHR, 0L);
            check(rc, state, "mknod " + path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void setxattr(Path path, String name, String value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            MemorySegment v = arena.allocate(bytes.length);
            v.copyFrom(MemorySegment.ofArray(bytes));
            int rc = (int) LSETXATTR.invokeExact(state, arena.allocateFrom(path.toString(), StandardCharsets.UTF_8),
                    arena.allocateFrom(name, StandardCharsets.UTF_8), v, (long) bytes.length, 0);
            check(rc, state, "setxattr " + name + " on " + path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void check(int rc, MemorySegment state, String what) throws IOException {
        if (rc != 0) {
            int errno = (int) ERRNO.get(state, 0L);
            throw new IOException(what + " failed with errno " + errno + (errno == 1 ? " (EPERM: unpacking images needs root)" : ""));
        }
    }
}
