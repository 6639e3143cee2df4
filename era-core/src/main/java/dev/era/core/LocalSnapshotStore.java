package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.NotFoundException;
import dev.era.api.StoreException;
import dev.era.core.spi.SnapshotStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Snapshots as files in a local directory (by default {@code <data>/snapshots}). A put is written
 * to a temporary file, synced and renamed into place, so a reader never sees half an archive and
 * a crash leaves either the old archive or the new one.
 */
public final class LocalSnapshotStore implements SnapshotStore {
    static final Pattern KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*");
    private final Path dir;

    /** Keeps archives under {@code dir}, created on first use. */
    public LocalSnapshotStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    @Override
    public String put(String key, InputStream data, long size) {
        Path target = file(key);
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), ".put-", "");
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[1 << 20];
                long left = size;
                while (left > 0) {
                    int n = data.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new StoreException("snapshot " + key + " ended after " + (size - left) + " of " + size
                                + " bytes", Map.of("key", key));
                    }
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    left -= n;
                }
                out.force(false);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            return "file:" + target;
        } catch (IOException e) {
            throw new StoreException("cannot write snapshot " + key + " to " + dir + ": " + e.getMessage()
                    + "; check the disk space and permissions of the snapshot directory", Map.of("key", key), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the failure above is what the caller needs to know
                }
            }
        }
    }

    /** Syncs the file and renames it into place; copies it where it is on another filesystem. */
    @Override
    public String putFile(String key, Path file) {
        Path target = file(key);
        try {
            Files.createDirectories(target.getParent());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(false);
            }
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return "file:" + target;
        } catch (java.nio.file.AtomicMoveNotSupportedException otherFilesystem) {
            return SnapshotStore.super.putFile(key, file);
        } catch (IOException e) {
            throw new StoreException("cannot move snapshot " + key + " into " + dir + ": " + e.getMessage()
                    + "; check the disk space and permissions of the snapshot directory", Map.of("key", key), e);
        }
    }

    @Override
    public InputStream get(String key) {
        try {
            return Files.newInputStream(file(key));
        } catch (NoSuchFileException e) {
            throw new NotFoundException("snapshot archive " + key + " is not in " + dir + "; it may have been removed",
                    Map.of("key", key));
        } catch (IOException e) {
            throw new StoreException("cannot read snapshot " + key + " from " + dir + ": " + e.getMessage(),
                    Map.of("key", key), e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            throw new StoreException("cannot delete snapshot " + key + " from " + dir + ": " + e.getMessage(),
                    Map.of("key", key), e);
        }
    }

    private Path file(String key) {
        if (!KEY.matcher(key).matches() || key.contains("..")) {
            throw new BadRequestException("snapshot key '" + SpecCodec.clip(key) + "' must be path segments of letters, "
                    + "digits, '_', '.' and '-'", Map.of("key", SpecCodec.clip(key)));
        }
        return dir.resolve(key);
    }

    @Override
    public String toString() {
        return "LocalSnapshotStore[" + dir + "]";
    }
}
