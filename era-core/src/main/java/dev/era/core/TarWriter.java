package dev.era.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Writes a directory tree as a POSIX tar archive (ustar headers, with a pax header where a name,
 * link target or size does not fit), keeping modes and modification times, with the root's owner as
 * every entry's owner. Regular
 * files, directories and symbolic links are archived; pipes, sockets and devices are skipped.
 *
 * <p>The tree belongs to a sandbox whose processes may change it during the walk, so it is walked
 * with {@link SafeDirs} (never following a link) and a file that changes size is cut or padded to
 * the size its header announced. Hand-written rather than a library: the format is small, and the
 * walk must be the link-refusing one.
 */
final class TarWriter {
    private static final int BLOCK = 512;
    private final WritableByteChannel out;
    private final Path root;
    private String user = "";
    private String group = "";
    private long written;

    private TarWriter(Path root, WritableByteChannel out) {
        this.root = root;
        this.out = out;
    }

    /** Archives the contents of {@code root} (not the root itself) to {@code out}; returns the bytes written. */
    static long write(Path root, WritableByteChannel out) throws IOException {
        TarWriter w = new TarWriter(root, out);
        // Everything in a workspace belongs to the sandbox's user (files the daemon writes are given to
        // it), so the root's owner is recorded for every entry: one name lookup instead of one per file.
        var owner = java.nio.file.Files.readAttributes(root, PosixFileAttributes.class, SafeDirs.NOFOLLOW);
        w.user = owner.owner().getName();
        w.group = owner.group().getName();
        try (SecureDirectoryStream<Path> dir = SafeDirs.openRoot(root, "/workspace")) {
            w.tree(dir, "");
        }
        w.block(new byte[BLOCK * 2]);
        return w.written;
    }

    private void tree(SecureDirectoryStream<Path> dir, String prefix) throws IOException {
        List<String> names = new ArrayList<>();
        dir.forEach(p -> names.add(p.getFileName().toString()));
        names.sort(null);
        for (String name : names) {
            PosixFileAttributes a;
            try {
                a = SafeDirs.attrs(dir, name);
            } catch (NoSuchFileException gone) {
                continue;
            }
            String path = prefix + name;
            if (a.isDirectory()) {
                SecureDirectoryStream<Path> child;
                try {
                    child = SafeDirs.child(dir, name, path);
                } catch (IOException | RuntimeException changed) {
                    continue; // replaced meanwhile: the archive is as of some moment, this one missed it
                }
                try (child) {
                    entry(path + "/", '5', a, 0, "");
                    tree(child, path + "/");
                }
            } else if (a.isSymbolicLink()) {
                String target;
                try {
                    // SecureDirectoryStream cannot readlinkat, so the link is read by its path. That
                    // is harmless even if a component was swapped meanwhile: the target is only text
                    // stored in the archive, never followed.
                    target = java.nio.file.Files.readSymbolicLink(root.resolve(path)).toString();
                } catch (IOException | UnsupportedOperationException changed) {
                    continue;
                }
                entry(path, '2', a, 0, target);
            } else if (a.isRegularFile()) {
                file(dir, name, path, a);
            }
        }
    }

    private void file(SecureDirectoryStream<Path> dir, String name, String path, PosixFileAttributes a)
            throws IOException {
        SeekableByteChannel in;
        try {
            in = dir.newByteChannel(Path.of(name), Set.of(StandardOpenOption.READ, SafeDirs.NOFOLLOW));
        } catch (IOException gone) {
            return;
        }
        try (in) {
            long size = a.size();
            entry(path, '0', a, size, "");
            long copied = 0;
            if (in instanceof FileChannel fc) {
                while (copied < size) {
                    long n = fc.transferTo(copied, size - copied, out);
                    if (n <= 0) {
                        break; // shrank meanwhile
                    }
                    copied += n;
                }
                written += copied;
            } else {
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (copied < size) {
                    buf.clear().limit((int) Math.min(buf.capacity(), size - copied));
                    int n = in.read(buf);
                    if (n <= 0) {
                        break;
                    }
                    buf.flip();
                    copied += drain(buf);
                }
            }
            long pad = (size - copied) + (BLOCK - size % BLOCK) % BLOCK;
            block(new byte[(int) pad]);
        }
    }

    private void entry(String path, char type, PosixFileAttributes a, long size, String link) throws IOException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        byte[] target = link.getBytes(StandardCharsets.UTF_8);
        boolean pax = name.length > 100 || target.length > 100 || size > 077777777777L;
        if (pax) {
            StringBuilder records = new StringBuilder();
            if (name.length > 100) {
                records.append(record("path", path));
            }
            if (target.length > 100) {
                records.append(record("linkpath", link));
            }
            if (size > 077777777777L) {
                records.append(record("size", Long.toString(size)));
            }
            byte[] body = records.toString().getBytes(StandardCharsets.UTF_8);
            header(("PaxHeaders/" + tail(path)).getBytes(StandardCharsets.UTF_8), 'x', 0644, body.length, 0, "", "",
                    new byte[0]);
            block(body);
            block(new byte[(BLOCK - body.length % BLOCK) % BLOCK]);
        }
        header(name, type, SandboxFiles.mode(a.permissions()), size, a.lastModifiedTime().toMillis() / 1000,
                user, group, target);
    }

    private void header(byte[] name, char type, int mode, long size, long mtime, String user, String group,
                        byte[] link) throws IOException {
        byte[] h = new byte[BLOCK];
        System.arraycopy(name, 0, h, 0, Math.min(100, name.length));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, Math.min(size, 077777777777L));
        octal(h, 136, 12, Math.max(0, mtime));
        h[156] = (byte) type;
        System.arraycopy(link, 0, h, 157, Math.min(100, link.length));
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        text(h, 265, 32, user);
        text(h, 297, 32, group);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        block(h);
    }

    private static String record(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int len = body.getBytes(StandardCharsets.UTF_8).length;
        int total = len + Integer.toString(len).length();
        if (Integer.toString(total).length() != Integer.toString(len).length()) {
            total++;
        }
        return total + body;
    }

    private static String tail(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String t = p.substring(p.lastIndexOf('/') + 1);
        return t.length() > 80 ? t.substring(0, 80) : t;
    }

    private static void octal(byte[] h, int at, int len, long value) {
        String s = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, Math.min(len - 1, b.length));
        h[at + len - 1] = 0;
    }

    private static void text(byte[] h, int at, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < len) {
            System.arraycopy(b, 0, h, at, b.length);
        }
    }

    private void block(byte[] b) throws IOException {
        if (b.length > 0) {
            drain(ByteBuffer.wrap(b));
        }
    }

    private long drain(ByteBuffer b) throws IOException {
        long n = b.remaining();
        while (b.hasRemaining()) {
            out.write(b);
        }
        written += n;
        return n;
    }
}
