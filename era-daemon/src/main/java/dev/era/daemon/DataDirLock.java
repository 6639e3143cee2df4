package dev.era.daemon;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One daemon per data directory: an exclusive lock on {@code era.lock}, taken before the store is
 * opened. A second daemon would otherwise recover (and could restart) the first one's deployments
 * before failing on the socket. The kernel drops the lock when the holder dies, even by SIGKILL.
 */
final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws DaemonStartException when another process holds the lock, or the file cannot be used */
    static DataDirLock acquire(Path dataDir) {
        Path file = dataDir.resolve("era.lock");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                throw new DaemonStartException("another ERA daemon uses the data directory " + dataDir
                        + " (it holds " + file + "); stop it, or pass --data-dir with another directory", null);
            }
            return new DataDirLock(ch, l);
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(ch);
            throw new DaemonStartException("cannot lock " + file + ": " + e.getMessage()
                    + "; pass --data-dir with a writable directory", e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // the channel's close below drops it anyway
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }
}
