package dev.era.core;

import dev.era.api.StoreException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks a tar archive (plain or gzip, told by its first bytes) into an empty directory that no
 * sandbox can reach yet. An entry that would land outside the directory is refused and the whole
 * restore fails: absolute names, {@code ..} components, hard links, and anything below a symbolic
 * link. Links are created last, after every file, and a link's parent is checked to contain no
 * link, so no write ever goes through one. Modes are kept without set-uid and set-gid bits;
 * owners are kept (by name) only when the daemon runs as root, as GNU tar does.
 */
final class TarReader {
    private static final int BLOCK = 512;
    private static final int MAX_PAX = 1 << 20;
    private final InputStream in;
    private final Path root;
    private final boolean owners;
    private final UserPrincipalLookupService lookup;
    private final Map<String, Object> principals = new HashMap<>();
    private final List<String[]> links = new ArrayList<>();
    private final List<Object[]> dirs = new ArrayList<>();
    private final java.util.Set<Path> known = new java.util.HashSet<>();
    private final byte[] header = new byte[BLOCK];

    private TarReader(InputStream in, Path root, boolean owners) {
        this.in = in;
        this.root = root;
        this.owners = owners;
        this.lookup = root.getFileSystem().getUserPrincipalLookupService();
    }

    /** Returns the bytes of file content restored. */
    static long extract(InputStream archive, Path root, boolean keepOwners) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(archive, 256 * 1024);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        InputStream in = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(buffered, 256 * 1024) : buffered;
        Files.createDirectories(root);
        try {
            return new TarReader(in, root, keepOwners).run();
        } catch (java.io.EOFException e) {
            throw damaged("it ends in the middle of an entry");
        }
    }

    private long run() throws IOException {
        long restored = 0;
        Map<String, String> pax = new HashMap<>();
        while (true) {
            if (in.readNBytes(header, 0, BLOCK) < BLOCK) {
                throw damaged("it ends in the middle of an entry");
            }
            if (allZero(header)) {
                break;
            }
            checkSum();
            char type = (char) header[156];
            long size = pax.containsKey("size") ? Long.parseLong(pax.get("size")) : octal(124, 12);
            String name = pax.getOrDefault("path", string(0, 100, 345));
            String link = pax.getOrDefault("linkpath", string(157, 100, -1));
            switch (type) {
                case 'x' -> {
                    pax = paxRecords(size);
                    continue;
                }
                case 'g' -> skip(size);
                case 'L' -> {
                    pax = new HashMap<>(pax);
                    pax.put("path", new String(body(size), StandardCharsets.UTF_8).replace("\0", ""));
                    continue;
                }
                case 'K' -> {
                    pax = new HashMap<>(pax);
                    pax.put("linkpath", new String(body(size), StandardCharsets.UTF_8).replace("\0", ""));
                    continue;
                }
                case '0', '\0', '7' -> {
                    restored += file(safe(name), size);
                }
                case '5' -> {
                    Path dir = safe(name);
                    if (!dir.equals(root)) {
                        mkdirs(dir);
                        dirs.add(new Object[] {dir, mode(), octal(136, 12), user(), group()});
                    }
                    skip(size);
                }
                case '2' -> {
                    links.add(new String[] {name, link, user(), group()});
                    skip(size);
                }
                case '1' -> throw damaged("entry '" + SpecCodec.clip(name) + "' is a hard link, which ERA's archives never have");
                default -> skip(size); // pipes, devices: not restored
            }
            pax = new HashMap<>();
        }
        for (String[] l : links) {
            Path p = safe(l[0]);
            noLinkAbove(p);
            try {
                Files.createSymbolicLink(p, Path.of(l[1]));
            } catch (FileAlreadyExistsException e) {
                throw damaged("link '" + SpecCodec.clip(l[0]) + "' has the name of another entry");
            }
            own(p, l[2], l[3]);
        }
        for (int i = dirs.size() - 1; i >= 0; i--) { // deepest last-listed first; modes after their content
            Object[] d = dirs.get(i);
            Path dir = (Path) d[0];
            Files.setPosixFilePermissions(dir, perms((Integer) d[1]));
            Files.setLastModifiedTime(dir, FileTime.fromMillis((Long) d[2] * 1000));
            own(dir, (String) d[3], (String) d[4]);
        }
        return restored;
    }

    /** One for the whole archive: a workspace of many small files would otherwise allocate (and zero) one per file. */
    private final byte[] copyBuffer = new byte[256 * 1024];

    private long file(Path p, long size) throws IOException {
        mkdirs(p.getParent());
        int mode = mode();
        long mtime = octal(136, 12);
        String user = user();
        String group = group();
        try (FileChannel out = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, SafeDirs.NOFOLLOW)) {
            byte[] buf = copyBuffer;
            long left = size;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw damaged("file '" + root.relativize(p) + "' is cut short");
                }
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
                left -= n;
            }
        }
        in.skipNBytes((BLOCK - size % BLOCK) % BLOCK);
        Files.setPosixFilePermissions(p, perms(mode));
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtime * 1000));
        own(p, user, group);
        return size;
    }

    /** The entry's place under the root; anything that would leave it fails the restore. */
    private Path safe(String name) {
        if (name.startsWith("/") || name.indexOf('\0') >= 0) {
            throw damaged("entry '" + SpecCodec.clip(name) + "' has an absolute name and would leave the workspace");
        }
        Path p = root;
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw damaged("entry '" + SpecCodec.clip(name) + "' climbs out with '..' and would leave the workspace");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                p = p.resolve(part);
            }
        }
        return p;
    }

    /**
     * Creates missing directories below the root; none on the way may be a link. Directories made
     * or checked once are remembered: until the links are made at the end, nothing can turn them
     * into links (no sandbox runs on this tree yet).
     */
    private void mkdirs(Path dir) throws IOException {
        if (known.contains(dir)) {
            return;
        }
        noLinkAbove(dir.resolve("x"));
        Files.createDirectories(dir);
        for (Path d = dir; d != null && !d.equals(root) && known.add(d); d = d.getParent()) {
            // every ancestor up to the root is a checked directory now
        }
    }

    private void noLinkAbove(Path p) throws IOException {
        for (Path at = p.getParent(); at != null && !at.equals(root); at = at.getParent()) {
            if (Files.exists(at, SafeDirs.NOFOLLOW)
                    && Files.readAttributes(at, BasicFileAttributes.class, SafeDirs.NOFOLLOW).isSymbolicLink()) {
                throw damaged("entry '" + SpecCodec.clip(root.relativize(p).toString()) + "' lies below a link");
            }
        }
    }

    private void own(Path p, String user, String group) throws IOException {
        if (!owners || (user.isEmpty() && group.isEmpty())) {
            return;
        }
        PosixFileAttributeView v = Files.getFileAttributeView(p, PosixFileAttributeView.class, SafeDirs.NOFOLLOW);
        try {
            if (!user.isEmpty()) {
                v.setOwner((java.nio.file.attribute.UserPrincipal) principals.computeIfAbsent("u:" + user, k -> lookupUser(user)));
            }
            if (!group.isEmpty()) {
                v.setGroup((java.nio.file.attribute.GroupPrincipal) principals.computeIfAbsent("g:" + group, k -> lookupGroup(group)));
            }
        } catch (java.io.UncheckedIOException unknown) {
            // a name this host does not know: the file stays the daemon's
        }
    }

    private Object lookupUser(String name) {
        try {
            return lookup.lookupPrincipalByName(name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Object lookupGroup(String name) {
        try {
            return lookup.lookupPrincipalByGroupName(name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Map<String, String> paxRecords(long size) throws IOException {
        if (size > MAX_PAX) {
            throw damaged("a pax header of " + size + " bytes is larger than " + MAX_PAX);
        }
        String text = new String(body(size), StandardCharsets.UTF_8);
        Map<String, String> out = new HashMap<>();
        int at = 0;
        while (at < text.length()) {
            int sp = text.indexOf(' ', at);
            int eq = text.indexOf('=', sp);
            int nl = text.indexOf('\n', eq);
            if (sp < 0 || eq < 0 || nl < 0) {
                throw damaged("a pax header is malformed");
            }
            out.put(text.substring(sp + 1, eq), text.substring(eq + 1, nl));
            at = nl + 1;
        }
        return out;
    }

    private byte[] body(long size) throws IOException {
        if (size > MAX_PAX) {
            throw damaged("a long-name entry of " + size + " bytes is larger than " + MAX_PAX);
        }
        byte[] b = in.readNBytes((int) size);
        in.skipNBytes((BLOCK - size % BLOCK) % BLOCK);
        return b;
    }

    private void skip(long size) throws IOException {
        in.skipNBytes(size + (BLOCK - size % BLOCK) % BLOCK);
    }

    private void checkSum() {
        long stored = octal(148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : header[i] & 0xff;
        }
        if (sum != stored) {
            throw damaged("a header's checksum does not match");
        }
    }

    private int mode() {
        return (int) octal(100, 8) & 01777; // never set-uid or set-gid
    }

    private String user() {
        return string(265, 32, -1);
    }

    private String group() {
        return string(297, 32, -1);
    }

    private long octal(int at, int len) {
        long v = 0;
        for (int i = at; i < at + len; i++) {
            int c = header[i];
            if (c == 0 || c == ' ') {
                if (v > 0) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                throw damaged("a header has a bad number field");
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }

    /** A NUL-terminated field; with a ustar prefix field when {@code prefixAt >= 0}. */
    private String string(int at, int len, int prefixAt) {
        String s = field(at, len);
        if (prefixAt >= 0 && header[257] == 'u') {
            String prefix = field(prefixAt, 155);
            if (!prefix.isEmpty()) {
                s = prefix + "/" + s;
            }
        }
        return s;
    }

    private String field(int at, int len) {
        int end = at;
        while (end < at + len && header[end] != 0) {
            end++;
        }
        return new String(header, at, end - at, StandardCharsets.UTF_8);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) {
                s.add(p);
            }
        }
        return s;
    }

    private static StoreException damaged(String why) {
        return new StoreException("the snapshot archive cannot be restored: " + why + "; it was not written by ERA or "
                + "was changed in the snapshot store", Map.of());
    }
}
