package dev.era.engine.process;

import dev.era.api.EngineException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The /etc every sandbox sees, as one directory bound read-only: a copy of the host's entries in
 * {@link SandboxHost#ETC} (only what every host user may read) plus the sandbox's own passwd and
 * group, and an empty hosts file that each start covers with its own.
 *
 * <p>One bind instead of one per entry, because bubblewrap's start time grows with its mounts (it
 * rereads mountinfo after each read-only bind): this takes a sandbox start from ~90 to ~35 mounts.
 *
 * <p>The copy is named after a fingerprint of the host entries (names, sizes, modification times),
 * checked at each start, so a changed resolv.conf or time zone gives a new copy; daemons sharing the
 * host share the copies. A changed file deeper inside a copied directory is only noticed when the
 * directory itself changes (an added or removed entry).
 */
final class SandboxEtc {
    /** Bumped whenever what the copy holds besides the host entries changes. */
    private static final int LAYOUT = 1;
    private static final Duration KEEP_OLD = Duration.ofMinutes(10);
    private static final Set<PosixFilePermission> WORLD_READ = Set.of(PosixFilePermission.OTHERS_READ);

    private final Path parent;
    private final String passwd;
    private final String group;

    SandboxEtc(Path parent, String shell) {
        this.parent = parent;
        this.passwd = "root:x:0:0:root:/root:/usr/sbin/nologin\n" + SandboxHost.USER + ":x:" + SandboxHost.UID + ":"
                + SandboxHost.GID + ":ERA sandbox user:" + SandboxHost.HOME + ":" + shell + "\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
        this.group = "root:x:0:\n" + SandboxHost.USER + ":x:" + SandboxHost.GID + ":\nnogroup:x:65534:\n";
    }

    /** The current copy, made now when the host's entries changed since the last one. */
    Path current() {
        Path dir = parent.resolve("sandbox-etc-" + Long.toHexString(fingerprint()));
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path tmp = parent.resolve("sandbox-etc-tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createDirectories(tmp);
            Files.setAttribute(tmp, "unix:mode", 0755);
            for (String name : SandboxHost.ETC) {
                copy(Path.of("/etc", name), tmp.resolve(name), true);
            }
            Files.writeString(tmp.resolve("passwd"), passwd);
            Files.writeString(tmp.resolve("group"), group);
            Files.writeString(tmp.resolve("hosts"), "");
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                Artifacts.deleteTree(tmp); // another daemon made the same copy meanwhile
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) {
                    throw e;
                }
                Artifacts.deleteTree(tmp); // a non-empty target: the same race
            }
            removeOld(dir);
            return dir;
        } catch (IOException e) {
            throw new EngineException("cannot build the sandboxes' /etc in " + parent + ": " + e.getMessage()
                    + "; check that the daemon runs as root and " + parent + " is writable", Map.of("dir", parent.toString()), e);
        }
    }

    private long fingerprint() {
        long h = LAYOUT * 31L + passwd.hashCode() * 17L + group.hashCode();
        for (String name : SandboxHost.ETC) {
            Path p = Path.of("/etc", name);
            try {
                h = h * 31 + name.hashCode();
                h = h * 31 + Files.getLastModifiedTime(p).toMillis();
                h = h * 31 + Files.size(p);
            } catch (IOException e) {
                h = h * 31 + 7; // missing: part of the fingerprint too
            }
        }
        return h;
    }

    /**
     * Copies what every host user may read; a top-level link to outside /usr (say, resolv.conf into
     * /run) is copied as its target's content, since the sandbox does not see the target.
     */
    private static void copy(Path source, Path target, boolean top) throws IOException {
        if (Files.isSymbolicLink(source)) {
            Path link = Files.readSymbolicLink(source);
            Path resolved = source.resolveSibling(link).normalize();
            if (!top || resolved.startsWith("/usr")) {
                Files.createDirectories(target.getParent());
                Files.createSymbolicLink(target, link);
                return;
            }
            if (!Files.exists(source)) {
                return;
            }
            source = source.toRealPath();
        }
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS) || !worldReadable(source)) {
            return;
        }
        Files.createDirectories(target.getParent());
        if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.getPosixFilePermissions(source).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return;
            }
            Files.createDirectory(target);
            Files.setAttribute(target, "unix:mode", 0755);
            try (Stream<Path> entries = Files.list(source)) {
                for (Path entry : entries.toList()) {
                    copy(entry, target.resolve(entry.getFileName().toString()), false);
                }
            }
        } else if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static boolean worldReadable(Path p) throws IOException {
        return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).containsAll(WORLD_READ);
    }

    /** Copies older than a while: running sandboxes keep theirs mounted, and starts in flight use the newest. */
    private void removeOld(Path keep) {
        Instant before = Instant.now().minus(KEEP_OLD);
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith("sandbox-etc-") && !p.equals(keep)).toList()) {
                FileTime modified = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
                if (modified.toInstant().isBefore(before)) {
                    Artifacts.deleteTree(p);
                }
            }
        } catch (IOException e) {
            // tidying only
        }
    }

    static List<String> bwrapArgs(Path etc) {
        return List.of("--ro-bind", etc.toString(), "/etc");
    }
}
