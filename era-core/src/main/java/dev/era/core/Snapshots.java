package dev.era.core;

import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import dev.era.core.spi.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Snapshots of sandbox workspaces: a tar of {@code /workspace} (gzip when configured) put into the
 * {@link SnapshotStore} under {@code <tenant>/<snapshot id>.tar}, described by a row in the state
 * store whose status goes {@code in_progress} to {@code complete} or {@code failed}. The archive is
 * written to a staging file first, because object stores want the size before the bytes.
 *
 * <p>A snapshot of a running sandbox copies files while its processes may write them: each file
 * is read as it is at that moment. Suspend the sandbox first for a copy of one instant.
 */
final class Snapshots {
    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    static final String IN_PROGRESS = "in_progress";
    static final String COMPLETE = "complete";
    static final String FAILED = "failed";

    private final Sandboxes sandboxes;
    private final SnapshotStore archives;
    private final Path staging;
    private final boolean keepOwners;

    Snapshots(Sandboxes sandboxes, SnapshotStore archives, Path staging, boolean keepOwners) {
        this.sandboxes = sandboxes;
        this.archives = archives;
        this.staging = staging;
        this.keepOwners = keepOwners;
    }

    /** Snapshots cut short by a daemon restart are marked failed. */
    void recover() {
        for (Snapshot s : sandboxes.store.snapshots()) {
            if (s.status().equals(IN_PROGRESS)) {
                sandboxes.store.saveSnapshot(with(s, FAILED, 0, "", "the daemon stopped while the snapshot was written; "
                        + "take it again"));
            }
        }
    }

    Snapshot take(SandboxEntry e, String name, boolean async) {
        if (name.length() > 128 || name.chars().anyMatch(Character::isISOControl)) {
            throw new BadRequestException("a snapshot name must be at most 128 characters without control characters");
        }
        SandboxRecord r = e.record();
        Path workspace = sandboxes.workspace(r, null);
        String id = "snap-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
        Snapshot s = new Snapshot(id, r.tenant(), r.id(), name, IN_PROGRESS, 0, "", "", sandboxes.clock.instant());
        sandboxes.store.saveSnapshot(s);
        if (async) {
            sandboxes.scheduler.execute(() -> write(s, workspace));
            return s;
        }
        return write(s, workspace);
    }

    private Snapshot write(Snapshot s, Path workspace) {
        Path tmp = null;
        Snapshot done;
        try {
            tmp = Files.createTempFile(staging, "snapshot-", ".tar");
            try (FileChannel file = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                if (sandboxes.config.compressSnapshots()) {
                    try (OutputStream gz = new FastGzip(Channels.newOutputStream(file));
                         WritableByteChannel ch = Channels.newChannel(gz)) {
                        TarWriter.write(workspace, ch);
                    }
                } else {
                    TarWriter.write(workspace, file);
                }
            }
            long size = Files.size(tmp);
            String location = archives.putFile(key(s), tmp);
            done = with(s, COMPLETE, size, location, "");
        } catch (IOException | RuntimeException ex) {
            LOG.warn("snapshot {} of sandbox {} failed: {}", s.id(), s.sandboxId(), ex.getMessage());
            done = with(s, FAILED, 0, "", "the snapshot could not be written: " + ex.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the staging directory is cleared at the next start
                }
            }
        }
        if (sandboxes.store.snapshots().stream().anyMatch(x -> x.id().equals(s.id()))) {
            sandboxes.store.saveSnapshot(done);
        } else {
            archives.delete(key(s)); // deleted while it was written
        }
        return done;
    }

    /** Unpacks the snapshot into a workspace directory that no sandbox runs on yet. */
    void restore(Snapshot s, Path workspace) {
        try (InputStream in = archives.get(key(s))) {
            TarReader.extract(in, workspace, keepOwners);
        } catch (IOException ex) {
            throw new dev.era.api.StoreException("cannot restore snapshot " + s.id() + ": " + ex.getMessage(),
                    Map.of("snapshot", s.id()), ex);
        }
    }

    List<Snapshot> list(Caller caller) {
        return sandboxes.store.snapshots().stream().filter(s -> caller.sees(s.tenant())).toList();
    }

    Snapshot find(Caller caller, String id) {
        return list(caller).stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new NotFoundException("no snapshot '" + SpecCodec.clip(id) + "'; `era sandbox "
                        + "snapshots` lists yours", Map.of("snapshot", SpecCodec.clip(id))));
    }

    /** A snapshot a new sandbox can start from. */
    Snapshot usable(Caller caller, String id) {
        Snapshot s = find(caller, id);
        if (!s.status().equals(COMPLETE)) {
            throw new ConflictException("snapshot " + id + " is " + s.status() + "; only a complete snapshot can be "
                    + "restored" + (s.status().equals(IN_PROGRESS) ? " (wait until it completes)" : ""),
                    Map.of("snapshot", id, "status", s.status()));
        }
        return s;
    }

    void delete(Caller caller, String id) {
        Snapshot s = find(caller, id);
        sandboxes.store.deleteSnapshot(s.id());
        archives.delete(key(s));
    }

    static String key(Snapshot s) {
        return s.tenant() + "/" + s.id() + ".tar";
    }

    private static Snapshot with(Snapshot s, String status, long size, String location, String message) {
        return new Snapshot(s.id(), s.tenant(), s.sandboxId(), s.name(), status, size, location, message, s.createdAt());
    }

    /** gzip at the fastest level: snapshots are about speed first (docs/sandboxes.md has the cost). */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 256 * 1024);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
