package dev.era.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The socket file's life: checked against the OS path limit, a stale file from a crashed daemon
 * removed, bound, made 0600 and removed again on close.
 *
 * <p>Java cannot set the umask, so a socket bound straight at its final path would be reachable with
 * the umask's mode until the chmod. The socket is therefore bound inside a fresh 0700 directory next
 * to its final path, made 0600 there, and renamed into place: nobody else can connect in between.
 */
final class UnixSocketFile {
    /** {@code sun_path} holds 108 bytes on Linux (104 on macOS), the terminating NUL included. */
    static final int MAX_PATH_BYTES = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")
            ? 103 : 107;
    private static final String SOCKET_IN_DIR = "s";

    private final Path target;
    private final Path privateDir;

    private UnixSocketFile(Path target, Path privateDir) {
        this.target = target;
        this.privateDir = privateDir;
    }

    /**
     * @throws IllegalArgumentException when the path is too long for a socket
     * @throws IllegalStateException    when something that is not a stale socket occupies the path
     */
    static UnixSocketFile prepare(Path socket) {
        Path target = socket.toAbsolutePath().normalize();
        int bytes = length(target);
        if (bytes > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("the Unix socket path " + target + " is " + bytes
                    + " bytes long; the OS limit is " + MAX_PATH_BYTES + ". Choose a shorter data directory");
        }
        try {
            Files.createDirectories(target.getParent());
            removeStale(target);
            return new UnixSocketFile(target, privateDir(target));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Unix socket " + target + ": " + e.getMessage(), e);
        }
    }

    /** Where Jetty binds. */
    Path bindPath() {
        return privateDir == null ? target : privateDir.resolve(SOCKET_IN_DIR);
    }

    Path path() {
        return target;
    }

    /** Called right after the bind: sets 0600 and moves the socket to its final path. */
    void publish() {
        try {
            Path bound = bindPath();
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            if (privateDir != null) {
                Files.move(bound, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(privateDir);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot set mode 0600 on the Unix socket " + target + ": " + e.getMessage(), e);
        }
    }

    /** Removes what this created; safe to call more than once. */
    void remove() {
        try {
            if (privateDir != null) {
                Files.deleteIfExists(privateDir.resolve(SOCKET_IN_DIR));
                Files.deleteIfExists(privateDir);
            }
            Files.deleteIfExists(target);
        } catch (IOException e) {
            // Nothing more can be done at shutdown; a stale file is removed by the next start.
        }
    }

    private static int length(Path p) {
        return p.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private static void removeStale(Path target) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        BasicFileAttributes attrs = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isOther()) {
            throw new IllegalStateException(target + " exists and is not a socket; move it away or choose another path");
        }
        if (listening(target)) {
            throw new IllegalStateException("another process (probably an ERA daemon) is listening on " + target
                    + "; stop it or choose another data directory");
        }
        Files.deleteIfExists(target);
    }

    private static boolean listening(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A fresh 0700 directory beside the target, or null where that cannot work (the path would be too long, no POSIX modes). */
    private static Path privateDir(Path target) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            String name = ".e" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
            Path dir = target.resolveSibling(name);
            if (length(dir.resolve(SOCKET_IN_DIR)) > MAX_PATH_BYTES) {
                return null;
            }
            try {
                return Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // another name
            } catch (UnsupportedOperationException e) {
                return null;
            }
        }
        return null;
    }
}
