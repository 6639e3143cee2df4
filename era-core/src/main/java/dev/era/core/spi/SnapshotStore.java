package dev.era.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where workspace snapshots (archives) are kept: a local directory by default, an S3-compatible
 * object store when configured. Keys are relative paths of letters, digits, {@code - _ . /}; the
 * caller never reuses a key for different content.
 */
public interface SnapshotStore {
    /**
     * Stores exactly {@code size} bytes read from {@code data} under {@code key}, replacing what
     * was there. Returns once the bytes are durable.
     *
     * @return where the archive now is, for people: {@code file:/...} or {@code s3://bucket/key}
     * @throws dev.era.api.StoreException when the store refuses or cannot be reached
     */
    String put(String key, InputStream data, long size);

    /**
     * Stores the content of {@code file} under {@code key}, as {@link #put}. The store may take the
     * file over (a local store renames it into place instead of copying 100 MB), so the caller
     * must not use the file afterwards, other than deleting it if it is still there.
     */
    default String putFile(String key, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return put(key, in, Files.size(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to store it as " + key, e);
        }
    }

    /**
     * The bytes stored under {@code key}; the caller closes the stream.
     *
     * @throws dev.era.api.NotFoundException when nothing is stored under it
     */
    InputStream get(String key);

    /** Removes what is stored under {@code key}; nothing stored is not an error. */
    void delete(String key);
}
