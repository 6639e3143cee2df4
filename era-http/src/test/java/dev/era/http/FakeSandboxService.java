package dev.era.http;

import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.NotFoundException;
import dev.era.core.Caller;
import dev.era.core.ExecRequest;
import dev.era.core.Execution;
import dev.era.core.FileEntry;
import dev.era.core.Interactive;
import dev.era.core.OutputChunk;
import dev.era.core.Sandbox;
import dev.era.core.SandboxRequest;
import dev.era.core.SandboxService;
import dev.era.core.SandboxState;
import dev.era.core.Snapshot;
import dev.era.core.Subscription;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A {@link SandboxService} for API, SDK and CLI tests: a sandbox is a directory (its
 * {@code /workspace}), commands are plain host processes in it, a snapshot is a copy of it. No
 * isolation at all; tenants are kept apart as the real service does (404 for another's work).
 * {@link #failNext} makes the next call throw, to test error mapping.
 */
public final class FakeSandboxService implements SandboxService {
    private final Path root;
    private final Object lock = new Object();
    private final Map<String, Sandbox> sandboxes = new LinkedHashMap<>();
    private final Map<String, FakeExecution> executions = new LinkedHashMap<>();
    private final Map<String, FakeInteractive> interactives = new LinkedHashMap<>();
    private final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    /** Bytes the file being written has received so far; lets a test see an upload arrive while it is sent. */
    public final AtomicLong uploadProgress = new AtomicLong();
    private volatile RuntimeException nextFailure;

    public FakeSandboxService(Path root) {
        this.root = root;
    }

    public void failNext(RuntimeException failure) {
        nextFailure = failure;
    }

    public void reset() {
        synchronized (lock) {
            executions.values().forEach(FakeExecution::kill);
            interactives.values().forEach(FakeInteractive::close);
            executions.clear();
            interactives.clear();
            sandboxes.clear();
            snapshots.clear();
            nextFailure = null;
            uploadProgress.set(0);
        }
    }

    /** The interactive sessions started, oldest first. */
    public List<FakeInteractive> interactives() {
        synchronized (lock) {
            return List.copyOf(interactives.values());
        }
    }

    /** Where the sandbox's /workspace is on the host. */
    public Path workspace(String id) {
        return root.resolve(id).resolve("workspace");
    }

    private void maybeFail() {
        RuntimeException f = nextFailure;
        if (f != null) {
            nextFailure = null;
            throw f;
        }
    }

    private static String newId(String prefix) {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    @Override
    public Sandbox create(Caller caller, SandboxRequest r) {
        maybeFail();
        if (!r.engine().isEmpty() && !r.engine().equals("process")) {
            throw field("engine", "'" + r.engine() + "' is not an engine with the SANDBOX capability; use process");
        }
        if (!r.network().equals("none") && !r.network().equals("host")) {
            throw field("network", "must be none or host, not '" + r.network() + "'");
        }
        if (!r.name().matches("([a-z0-9][-a-z0-9]{0,62})?")) {
            throw field("name", "must be lower-case letters, digits and '-'");
        }
        String id = newId("sb-");
        synchronized (lock) {
            if (!r.name().isEmpty() && sandboxes.values().stream()
                    .anyMatch(s -> s.tenant().equals(caller.tenant()) && s.name().equals(r.name()))) {
                throw new ConflictException("a sandbox named '" + r.name() + "' exists", Map.of("name", r.name()));
            }
            try {
                Files.createDirectories(workspace(id));
                if (!r.fromSnapshot().isEmpty()) {
                    Snapshot s = snapshots.get(r.fromSnapshot());
                    if (s == null || !caller.sees(s.tenant())) {
                        throw field("fromSnapshot", "there is no snapshot '" + r.fromSnapshot() + "'");
                    }
                    FakeDirs.copy(root.resolve("snapshots").resolve(s.id()), workspace(id));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Instant now = Instant.now();
            Sandbox s = new Sandbox(id, caller.tenant(), r.name(), SandboxState.RUNNING,
                    r.engine().isEmpty() ? "process" : r.engine(), r.image(), r.resources(), r.network(), r.env(),
                    r.labels(), r.idleTimeout().isZero() ? Duration.ofMinutes(10) : r.idleTimeout(), r.fromSnapshot(),
                    "", now, now);
            sandboxes.put(id, s);
            return s;
        }
    }

    private static BadRequestException field(String name, String message) {
        return new BadRequestException("field '" + name + "' " + message, Map.of("field", name));
    }

    private Sandbox find(Caller caller, String id) {
        maybeFail();
        synchronized (lock) {
            Sandbox s = sandboxes.get(id);
            if (s == null || !caller.sees(s.tenant())) {
                throw new NotFoundException("there is no sandbox '" + id + "'", Map.of("sandbox", id));
            }
            return s;
        }
    }

    private Sandbox update(Sandbox s, SandboxState state) {
        Sandbox next = new Sandbox(s.id(), s.tenant(), s.name(), state, s.engine(), s.image(), s.resources(),
                s.network(), s.env(), s.labels(), s.idleTimeout(), s.fromSnapshot(), s.message(), s.createdAt(),
                Instant.now());
        synchronized (lock) {
            if (state == SandboxState.DELETED) {
                sandboxes.remove(s.id());
            } else {
                sandboxes.put(s.id(), next);
            }
        }
        return next;
    }

    /** Exec and file operations resume a suspended sandbox, as the contract says. */
    private Sandbox active(Caller caller, String id) {
        return update(find(caller, id), SandboxState.RUNNING);
    }

    @Override
    public Sandbox get(Caller caller, String id) {
        return find(caller, id);
    }

    @Override
    public List<Sandbox> list(Caller caller) {
        maybeFail();
        synchronized (lock) {
            return sandboxes.values().stream().filter(s -> caller.sees(s.tenant())).toList();
        }
    }

    @Override
    public Sandbox delete(Caller caller, String id) {
        Sandbox s = find(caller, id);
        synchronized (lock) {
            executions.values().stream().filter(e -> e.sandboxId.equals(id)).forEach(FakeExecution::kill);
        }
        FakeDirs.deleteTree(root.resolve(id));
        return update(s, SandboxState.DELETED);
    }

    @Override
    public Sandbox suspend(Caller caller, String id) {
        return update(find(caller, id), SandboxState.SUSPENDED);
    }

    @Override
    public Sandbox resume(Caller caller, String id) {
        return update(find(caller, id), SandboxState.RUNNING);
    }

    @Override
    public Sandbox keepAlive(Caller caller, String id) {
        Sandbox s = find(caller, id);
        return update(s, s.state());
    }

    @Override
    public Execution execSync(Caller caller, String sandboxId, ExecRequest request) {
        return start(caller, sandboxId, request).await(Duration.ofMinutes(5));
    }

    @Override
    public Execution execAsync(Caller caller, String sandboxId, ExecRequest request) {
        return start(caller, sandboxId, request).view();
    }

    private FakeExecution start(Caller caller, String sandboxId, ExecRequest request) {
        Sandbox s = active(caller, sandboxId);
        try {
            FakeExecution e = new FakeExecution(newId("ex-"), s.id(), s.tenant(), request, workspace(s.id()), s.env());
            synchronized (lock) {
                executions.put(e.id, e);
            }
            return e;
        } catch (IOException e) {
            throw new BadRequestException("cannot run " + request.command() + ": " + e.getMessage());
        }
    }

    private FakeExecution running(Caller caller, String sandboxId, String executionId) {
        find(caller, sandboxId);
        synchronized (lock) {
            FakeExecution e = executions.get(executionId);
            if (e == null || !e.sandboxId.equals(sandboxId)) {
                throw new NotFoundException("there is no execution '" + executionId + "' in sandbox " + sandboxId,
                        Map.of("execution", executionId));
            }
            return e;
        }
    }

    @Override
    public Execution execution(Caller caller, String sandboxId, String executionId) {
        return running(caller, sandboxId, executionId).view();
    }

    @Override
    public List<Execution> executions(Caller caller, String sandboxId) {
        find(caller, sandboxId);
        synchronized (lock) {
            return executions.values().stream().filter(e -> e.sandboxId.equals(sandboxId)).map(FakeExecution::view)
                    .toList();
        }
    }

    @Override
    public Execution await(Caller caller, String sandboxId, String executionId, Duration timeout) {
        return running(caller, sandboxId, executionId).await(timeout);
    }

    @Override
    public Execution kill(Caller caller, String sandboxId, String executionId) {
        FakeExecution e = running(caller, sandboxId, executionId);
        e.kill();
        return e.await(Duration.ofSeconds(5));
    }

    @Override
    public void sendStdin(Caller caller, String sandboxId, String executionId, byte[] data, boolean close) {
        running(caller, sandboxId, executionId).stdin(data, close);
    }

    @Override
    public Subscription followOutput(Caller caller, String sandboxId, String executionId, long stdoutOffset,
                                     long stderrOffset, Consumer<OutputChunk> sink) {
        return running(caller, sandboxId, executionId).follow(stdoutOffset, stderrOffset, sink);
    }

    @Override
    public Interactive interactive(Caller caller, String sandboxId, ExecRequest request) {
        Sandbox s = active(caller, sandboxId);
        try {
            FakeInteractive i = new FakeInteractive(newId("ex-"), request, workspace(s.id()), s.env());
            synchronized (lock) {
                interactives.put(i.executionId(), i);
            }
            return i;
        } catch (IOException e) {
            throw new BadRequestException("cannot run " + request.command() + ": " + e.getMessage());
        }
    }


    private Path file(Caller caller, String sandboxId, String path) {
        return FakeDirs.hostDir(workspace(active(caller, sandboxId).id()), path);
    }

    private static String inside(Path workspace, Path p) {
        String rel = workspace.relativize(p).toString();
        return rel.isEmpty() ? "/workspace" : "/workspace/" + rel;
    }

    @Override
    public List<FileEntry> listFiles(Caller caller, String sandboxId, String path) {
        Path dir = file(caller, sandboxId, path);
        Path ws = workspace(sandboxId);
        if (!Files.isDirectory(dir)) {
            throw Files.exists(dir) ? field("path", "'" + path + "' is not a directory") : missing(path);
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<FileEntry> out = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                int mode = 0;
                for (PosixFilePermission perm : perms) {
                    mode |= 1 << (8 - perm.ordinal());
                }
                out.add(new FileEntry(inside(ws, p), p.getFileName().toString(), Files.isDirectory(p), Files.size(p),
                        mode, Files.getLastModifiedTime(p).toInstant()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static NotFoundException missing(String path) {
        return new NotFoundException("there is no file '" + path + "'", Map.of("path", path));
    }

    @Override
    public InputStream readFile(Caller caller, String sandboxId, String path) {
        Path f = file(caller, sandboxId, path);
        if (Files.isDirectory(f)) {
            throw field("path", "'" + path + "' is a directory");
        }
        try {
            return Files.newInputStream(f);
        } catch (NoSuchFileException e) {
            throw missing(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long writeFile(Caller caller, String sandboxId, String path, InputStream data) {
        Path f = file(caller, sandboxId, path);
        uploadProgress.set(0);
        try {
            Files.createDirectories(f.getParent());
            long total = 0;
            byte[] buf = new byte[64 * 1024];
            try (OutputStream out = Files.newOutputStream(f)) {
                for (int n; (n = data.read(buf)) != -1; ) {
                    out.write(buf, 0, n);
                    total += n;
                    uploadProgress.set(total);
                }
            }
            return total;
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + path + " failed", e);
        }
    }

    @Override
    public void mkdir(Caller caller, String sandboxId, String path) {
        try {
            Files.createDirectories(file(caller, sandboxId, path));
        } catch (IOException e) {
            throw field("path", "cannot create '" + path + "': " + e.getMessage());
        }
    }

    @Override
    public void deleteFile(Caller caller, String sandboxId, String path, boolean recursive) {
        Path f = file(caller, sandboxId, path);
        if (f.equals(workspace(sandboxId))) {
            throw field("path", "/workspace itself cannot be deleted");
        }
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            throw missing(path);
        }
        try {
            if (recursive) {
                FakeDirs.deleteTree(f);
            } else {
                Files.delete(f);
            }
        } catch (DirectoryNotEmptyException e) {
            throw new ConflictException("'" + path + "' is a directory that is not empty; pass recursive=true",
                    Map.of("path", path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Snapshot snapshot(Caller caller, String sandboxId, String name, boolean async) {
        Sandbox s = find(caller, sandboxId);
        String id = newId("snap-");
        Path target = root.resolve("snapshots").resolve(id);
        Snapshot pending = new Snapshot(id, s.tenant(), s.id(), name, "in_progress", 0, "file:" + target, "",
                Instant.now());
        synchronized (lock) {
            snapshots.put(id, pending);
        }
        Runnable save = () -> {
            FakeDirs.copy(workspace(s.id()), target);
            synchronized (lock) {
                snapshots.computeIfPresent(id, (k, v) -> new Snapshot(id, v.tenant(), v.sandboxId(), v.name(),
                        "complete", FakeDirs.size(target), v.location(), "", v.createdAt()));
            }
        };
        if (async) {
            Thread.ofVirtual().start(save);
            return pending;
        }
        save.run();
        return snapshotInfo(caller, id);
    }

    @Override
    public List<Snapshot> snapshots(Caller caller) {
        maybeFail();
        synchronized (lock) {
            return snapshots.values().stream().filter(s -> caller.sees(s.tenant())).toList();
        }
    }

    @Override
    public Snapshot snapshotInfo(Caller caller, String snapshotId) {
        maybeFail();
        synchronized (lock) {
            Snapshot s = snapshots.get(snapshotId);
            if (s == null || !caller.sees(s.tenant())) {
                throw new NotFoundException("there is no snapshot '" + snapshotId + "'", Map.of("snapshot", snapshotId));
            }
            return s;
        }
    }

    @Override
    public void deleteSnapshot(Caller caller, String snapshotId) {
        Snapshot s = snapshotInfo(caller, snapshotId);
        synchronized (lock) {
            snapshots.remove(s.id());
        }
        FakeDirs.deleteTree(root.resolve("snapshots").resolve(s.id()));
    }



}
