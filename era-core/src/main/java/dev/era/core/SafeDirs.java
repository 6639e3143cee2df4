package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.EngineException;
import dev.era.api.NotFoundException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;

/**
 * Directory walks that a sandbox cannot redirect. A sandbox's processes may rename and replace its
 * files while the daemon works on them, so a path checked and then opened by name could lead
 * anywhere by the time it is opened. Instead, every directory is opened relative to its already
 * opened parent ({@code openat} with {@code O_NOFOLLOW}, through {@link SecureDirectoryStream}), and
 * a symbolic link anywhere on the way is refused, so nothing outside the root is ever reached.
 */
final class SafeDirs {
    static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private SafeDirs() {
    }

    /** Opens a root directory the daemon itself laid out (trusted path). */
    static SecureDirectoryStream<Path> openRoot(Path root, String shownAs) throws IOException {
        DirectoryStream<Path> ds;
        try {
            ds = Files.newDirectoryStream(root);
        } catch (NoSuchFileException e) {
            throw new NotFoundException(shownAs + " does not exist yet; the sandbox creates it when it first starts");
        }
        if (ds instanceof SecureDirectoryStream<Path> sds) {
            return sds;
        }
        ds.close();
        throw new EngineException("this platform cannot open files without following symbolic links (no "
                + "SecureDirectoryStream); sandbox files are only served on Linux");
    }

    /**
     * Opens the directory {@code parts} below {@code root} (already open; closed by this call),
     * refusing links. {@code shown} renders a prefix of parts as the sandbox path, for messages.
     *
     * @param creator makes a missing directory, or null to report it as not found
     */
    static SecureDirectoryStream<Path> walk(SecureDirectoryStream<Path> root, List<String> parts, Shown shown,
                                            Creator creator) throws IOException {
        SecureDirectoryStream<Path> dir = root;
        for (int i = 0; i < parts.size(); i++) {
            String name = parts.get(i);
            SecureDirectoryStream<Path> next;
            try {
                PosixFileAttributes a = attrs(dir, name);
                if (a.isSymbolicLink()) {
                    throw link(shown.upTo(i + 1));
                }
                if (!a.isDirectory()) {
                    throw new BadRequestException(shown.upTo(i + 1) + " is not a directory");
                }
                next = child(dir, name, shown.upTo(i + 1));
            } catch (NoSuchFileException e) {
                if (creator == null) {
                    dir.close();
                    throw new NotFoundException("no directory " + shown.upTo(i + 1) + " in the sandbox");
                }
                try {
                    creator.create(dir, name);
                    next = child(dir, name, shown.upTo(i + 1));
                } catch (IOException | RuntimeException ex) {
                    dir.close();
                    throw ex;
                }
            } catch (IOException | RuntimeException e) {
                dir.close();
                throw e;
            }
            dir.close();
            dir = next;
        }
        return dir;
    }

    /** Opens a child directory without following a link, even one swapped in since it was looked at. */
    static SecureDirectoryStream<Path> child(SecureDirectoryStream<Path> dir, String name, String shown)
            throws IOException {
        try {
            return dir.newDirectoryStream(Path.of(name), NOFOLLOW);
        } catch (NotDirectoryException e) {
            throw new BadRequestException(shown + " is not a directory");
        } catch (FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                throw e;
            }
            // ELOOP: it is a symbolic link (now)
            throw link(shown);
        }
    }

    /** The attributes of a directory's entry itself (a link is reported as a link). */
    static PosixFileAttributes attrs(SecureDirectoryStream<Path> dir, String name) throws IOException {
        return dir.getFileAttributeView(Path.of(name), PosixFileAttributeView.class, NOFOLLOW).readAttributes();
    }

    static BadRequestException link(String shown) {
        return new BadRequestException(shown + " is a symbolic link; the files API does not follow links (they may "
                + "point outside the sandbox); use the link's target path, or exec", java.util.Map.of("path", shown));
    }

    /** Renders the first {@code n} components as the sandbox path. */
    @FunctionalInterface
    interface Shown {
        String upTo(int n);
    }

    /** Creates a missing directory {@code name} in {@code parent}. */
    @FunctionalInterface
    interface Creator {
        void create(SecureDirectoryStream<Path> parent, String name) throws IOException;
    }
}
