package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.EngineException;
import dev.era.api.NotFoundException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sandbox's files, served from the host directories its engine names ({@code FileAccess}).
 *
 * <p>Paths are sandbox paths ({@code /workspace/src/app.py}; a relative path is under
 * {@code /workspace}). They are checked in three steps, each a defence on its own: a {@code ..}
 * component is refused outright; a path outside the roots is refused; and the path is walked
 * component by component from the root with {@link SafeDirs}, refusing any symbolic link, so that
 * neither a link nor a rename racing with the walk can lead outside the root. New files and
 * directories are made in a daemon-private staging directory (given the owner of the root) and
 * renamed into place from the opened parent, so they replace a link rather than follow it.
 */
final class SandboxFiles {
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private final Path staging;

    /** @param staging a directory only the daemon can reach, on the same filesystem as the sandboxes */
    SandboxFiles(Path staging) {
        this.staging = staging;
    }

    /** A checked sandbox path: its root and the components below it. */
    record Target(String mount, Path root, List<String> parts) {
        String shown(int n) {
            return n == 0 ? mount : mount + "/" + String.join("/", parts.subList(0, n));
        }

        String shown() {
            return shown(parts.size());
        }

        String name() {
            return parts.getLast();
        }

        List<String> parent() {
            return parts.subList(0, parts.size() - 1);
        }
    }

    static Target target(Map<String, Path> roots, String path) {
        if (path == null || path.length() > 4096 || path.indexOf('\0') >= 0) {
            throw new BadRequestException("a path must be at most 4096 characters without NUL bytes");
        }
        String abs = path.isEmpty() ? "/workspace" : path.startsWith("/") ? path : "/workspace/" + path;
        List<String> parts = new ArrayList<>();
        for (String p : abs.split("/")) {
            if (p.equals("..")) {
                throw new BadRequestException("path '" + SpecCodec.clip(path) + "' contains '..'; give a path inside "
                        + "the sandbox without it", Map.of("path", SpecCodec.clip(path)));
            }
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        String best = null;
        for (String mount : roots.keySet()) {
            List<String> m = List.of(mount.substring(1).split("/"));
            if (parts.size() >= m.size() && parts.subList(0, m.size()).equals(m)
                    && (best == null || mount.length() > best.length())) {
                best = mount;
            }
        }
        if (best == null) {
            throw new BadRequestException("path '" + SpecCodec.clip(path) + "' is outside the sandbox's files ("
                    + String.join(", ", roots.keySet()) + ")", Map.of("path", SpecCodec.clip(path)));
        }
        int skip = best.substring(1).split("/").length;
        return new Target(best, roots.get(best), List.copyOf(parts.subList(skip, parts.size())));
    }

    List<FileEntry> list(Map<String, Path> roots, String path) {
        if (path.equals("/")) {
            return roots.keySet().stream().sorted().map(m -> new FileEntry(m, m.substring(m.lastIndexOf('/') + 1), true,
                    0, 0755, java.time.Instant.EPOCH)).toList();
        }
        Target t = target(roots, path);
        try (SecureDirectoryStream<Path> dir = SafeDirs.walk(SafeDirs.openRoot(t.root(), t.mount()), t.parts(),
                t::shown, null)) {
            List<FileEntry> out = new ArrayList<>();
            for (Path p : dir) {
                String name = p.getFileName().toString();
                PosixFileAttributes a;
                try {
                    a = SafeDirs.attrs(dir, name);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                out.add(new FileEntry(t.shown() + "/" + name, name, a.isDirectory(), a.size(), mode(a.permissions()),
                        a.lastModifiedTime().toInstant()));
            }
            out.sort(Comparator.comparing(FileEntry::name));
            return out;
        } catch (IOException e) {
            throw failure(t, e);
        }
    }

    InputStream read(Map<String, Path> roots, String path) {
        Target t = file(roots, path);
        try (SecureDirectoryStream<Path> dir = SafeDirs.walk(SafeDirs.openRoot(t.root(), t.mount()), t.parent(),
                t::shown, null)) {
            PosixFileAttributes a = SafeDirs.attrs(dir, t.name());
            if (a.isSymbolicLink()) {
                throw SafeDirs.link(t.shown());
            }
            if (a.isDirectory()) {
                throw new BadRequestException(t.shown() + " is a directory; list it instead");
            }
            if (!a.isRegularFile()) {
                throw new BadRequestException(t.shown() + " is not a regular file (a pipe, socket or device)");
            }
            // O_NOFOLLOW: a link swapped in after the look above is refused, not followed
            SeekableByteChannel ch = dir.newByteChannel(Path.of(t.name()), Set.of(StandardOpenOption.READ, SafeDirs.NOFOLLOW));
            return Channels.newInputStream(ch);
        } catch (IOException e) {
            throw failure(t, e);
        }
    }

    long write(Map<String, Path> roots, String path, InputStream data) {
        Target t = file(roots, path);
        Path tmp = null;
        try {
            Owner owner = owner(t.root());
            try (SecureDirectoryStream<Path> dir = SafeDirs.walk(SafeDirs.openRoot(t.root(), t.mount()), t.parent(),
                    t::shown, (parent, name) -> makeDir(parent, name, owner))) {
                Set<PosixFilePermission> mode = FILE_MODE;
                try {
                    PosixFileAttributes existing = SafeDirs.attrs(dir, t.name());
                    if (existing.isSymbolicLink()) {
                        throw SafeDirs.link(t.shown());
                    }
                    if (existing.isDirectory()) {
                        throw new BadRequestException(t.shown() + " is a directory; write to a path inside it");
                    }
                    mode = existing.permissions(); // an executable stays executable when replaced
                } catch (NoSuchFileException fresh) {
                    // a new file
                }
                tmp = Files.createTempFile(staging, "upload-", "");
                long n;
                try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    n = copy(data, out);
                }
                Files.setPosixFilePermissions(tmp, mode);
                owner.apply(tmp);
                moveIn(tmp, dir, t.name());
                tmp = null;
                return n;
            }
        } catch (IOException e) {
            throw failure(t, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    void mkdir(Map<String, Path> roots, String path) {
        Target t = target(roots, path);
        try {
            Owner owner = owner(t.root());
            SafeDirs.walk(SafeDirs.openRoot(t.root(), t.mount()), t.parts(), t::shown,
                    (parent, name) -> makeDir(parent, name, owner)).close();
        } catch (IOException e) {
            throw failure(t, e);
        }
    }

    void delete(Map<String, Path> roots, String path, boolean recursive) {
        Target t = file(roots, path);
        try (SecureDirectoryStream<Path> dir = SafeDirs.walk(SafeDirs.openRoot(t.root(), t.mount()), t.parent(),
                t::shown, null)) {
            PosixFileAttributes a = SafeDirs.attrs(dir, t.name());
            if (!a.isDirectory()) {
                dir.deleteFile(Path.of(t.name())); // a link is removed itself, never its target
            } else if (recursive) {
                deleteTree(dir, t.name(), t.shown());
            } else {
                try {
                    dir.deleteDirectory(Path.of(t.name()));
                } catch (DirectoryNotEmptyException e) {
                    throw new ConflictException(t.shown() + " is a directory that is not empty; delete it recursively "
                            + "or empty it first", Map.of("path", t.shown()));
                }
            }
        } catch (IOException e) {
            throw failure(t, e);
        }
    }

    private static void deleteTree(SecureDirectoryStream<Path> parent, String name, String shown) throws IOException {
        try (SecureDirectoryStream<Path> dir = SafeDirs.child(parent, name, shown)) {
            List<String> children = new ArrayList<>();
            dir.forEach(p -> children.add(p.getFileName().toString()));
            for (String child : children) {
                PosixFileAttributes a;
                try {
                    a = SafeDirs.attrs(dir, child);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (a.isDirectory()) {
                    deleteTree(dir, child, shown + "/" + child);
                } else {
                    dir.deleteFile(Path.of(child));
                }
            }
        }
        parent.deleteDirectory(Path.of(name));
    }

    /** A path that names something inside a root, not the root itself. */
    private static Target file(Map<String, Path> roots, String path) {
        Target t = target(roots, path);
        if (t.parts().isEmpty()) {
            throw new BadRequestException(t.mount() + " is a root of the sandbox's files; name a path inside it",
                    Map.of("path", t.mount()));
        }
        return t;
    }

    private void makeDir(SecureDirectoryStream<Path> parent, String name, Owner owner) throws IOException {
        Path tmp = Files.createTempDirectory(staging, "mkdir-");
        try {
            Files.setPosixFilePermissions(tmp, DIR_MODE);
            owner.apply(tmp);
            moveIn(tmp, parent, name);
            tmp = null;
        } catch (FileSystemException e) {
            if (!SafeDirs.attrs(parent, name).isDirectory()) { // made meanwhile by the sandboxed processes: fine
                throw e;
            }
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Renames a staged file into the opened directory: atomic, and it replaces a link instead of following it. */
    private void moveIn(Path staged, SecureDirectoryStream<Path> dir, String name) throws IOException {
        try (SecureDirectoryStream<Path> from = SafeDirs.openRoot(staging, "staging")) {
            from.move(staged.getFileName(), dir, Path.of(name));
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            throw new EngineException("the daemon's staging directory " + staging + " is on another filesystem than the"
                    + " sandbox's files; keep the data directory on one filesystem");
        }
    }

    private static long copy(InputStream in, FileChannel out) throws IOException {
        byte[] buf = new byte[256 * 1024];
        long n = 0;
        int r;
        while ((r = in.read(buf)) >= 0) {
            out.write(java.nio.ByteBuffer.wrap(buf, 0, r));
            n += r;
        }
        return n;
    }

    /** Files the daemon writes belong to whoever owns the root (the sandbox's user on the host). */
    record Owner(UserPrincipal user, GroupPrincipal group) {
        void apply(Path p) {
            try {
                PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class, SafeDirs.NOFOLLOW);
                v.setOwner(user);
                v.setGroup(group);
            } catch (IOException notPermitted) {
                // a daemon that is not root cannot give files away; they stay its own
            }
        }
    }

    static Owner owner(Path root) throws IOException {
        PosixFileAttributes a = Files.readAttributes(root, PosixFileAttributes.class, SafeDirs.NOFOLLOW);
        return new Owner(a.owner(), a.group());
    }

    static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 1 << (8 - p.ordinal());
        }
        return m;
    }

    private static RuntimeException failure(Target t, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new NotFoundException("no file " + t.shown() + " in the sandbox", Map.of("path", t.shown()));
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return new ConflictException("permission denied on " + t.shown(), Map.of("path", t.shown()));
        }
        String why = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        return new EngineException("file operation on " + t.shown() + " failed: " + why, Map.of("path", t.shown()));
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a stray staging file; the next daemon start clears the staging directory
            }
        }
    }
}
