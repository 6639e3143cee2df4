package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.api.BadRequestException;
import dev.era.api.ConflictException;
import dev.era.api.QuotaExceededException;
import dev.era.api.Resources;
import dev.era.core.spi.SnapshotStore;
import dev.era.core.spi.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The sandbox service: each sandbox is a deployment on an engine with the SANDBOX capability,
 * driven through the one lifecycle of {@link RuntimeManager} and kept in the one {@link StateStore}.
 * Build it with {@link #start} after the runtime manager (which has recovered the sandboxes'
 * deployments); it then reloads the sandboxes, fills the warm pool and arms the idle timers.
 *
 * <p>Every call checks the caller's tenant: another tenant's sandbox, execution or snapshot is
 * not found. Execution records live in memory only and do not survive a daemon restart.
 */
public final class SandboxManager implements SandboxService, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxManager.class);
    private static final int MAX_ENV = 256;
    private static final int MAX_LABELS = 64;

    private final Sandboxes sandboxes;
    private final WarmPool pool;
    private final Executions executions;
    private final SandboxFiles files;
    private final Snapshots snapshots;
    private final Object admission = new Object();

    private SandboxManager(Sandboxes sandboxes, WarmPool pool, Executions executions, SandboxFiles files,
                           Snapshots snapshots) {
        this.sandboxes = sandboxes;
        this.pool = pool;
        this.executions = executions;
        this.files = files;
        this.snapshots = snapshots;
    }

    /**
     * Reloads the stored sandboxes, marks snapshots cut short by a restart as failed, and starts
     * filling the warm pool in the background.
     *
     * @param archives where snapshot archives go ({@link LocalSnapshotStore} or an S3 store)
     * @param config   frozen for the life of the manager
     */
    public static SandboxManager start(RuntimeManager manager, StateStore store, SnapshotStore archives,
                                       Scheduler scheduler, Clock clock, SandboxConfig config) {
        SandboxManager m = recover(manager, store, archives, scheduler, clock, config);
        m.fillWarmPool();
        return m;
    }

    /**
     * Like {@link #start}, without filling the warm pool yet: the daemon calls {@link #fillWarmPool()}
     * once its API is up, so that starting pool sandboxes does not compete with its own start.
     */
    public static SandboxManager recover(RuntimeManager manager, StateStore store, SnapshotStore archives,
                                         Scheduler scheduler, Clock clock, SandboxConfig config) {
        Path staging = manager.layout().dataDir().resolve("sandboxes").resolve("staging");
        boolean root = prepareStaging(staging);
        Sandboxes sandboxes = new Sandboxes(manager, store, clock, scheduler, config);
        SandboxManager m = new SandboxManager(sandboxes, new WarmPool(sandboxes, config.warmPoolSize()),
                new Executions(sandboxes), new SandboxFiles(staging), new Snapshots(sandboxes, archives, staging, root));
        List<SandboxEntry> recovered = sandboxes.recover();
        m.snapshots.recover();
        m.pool.adopt(recovered);
        return m;
    }

    /** Starts filling the warm pool in the background (up to its configured size). */
    public void fillWarmPool() {
        pool.refill();
    }

    /** Empties the staging directory (leftovers of a crash) and returns whether the daemon runs as root. */
    private static boolean prepareStaging(Path staging) {
        try {
            LifecycleController.deleteTree(staging);
            Files.createDirectories(staging.getParent());
            Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return Integer.valueOf(0).equals(Files.getAttribute(staging, "unix:uid"));
        } catch (IOException e) {
            throw new dev.era.api.EngineException("cannot prepare the sandbox staging directory " + staging + ": "
                    + e.getMessage() + "; check the permissions of the data directory");
        }
    }

    /** Warm-pool sandboxes ready to be claimed (for tests and metrics). */
    public int warmPoolReady() {
        return pool.ready();
    }

    // ---- sandboxes ----------------------------------------------------------------------------

    @Override
    public Sandbox create(Caller caller, SandboxRequest request) {
        SandboxConfig config = sandboxes.config;
        String engine = sandboxes.engineFor(request.engine());
        Resources resources = withDefaults(request.resources(), config.defaultResources());
        String network = network(request.network());
        checkNames(request);
        Duration idle = request.idleTimeout().isZero() ? config.defaultIdleTimeout() : request.idleTimeout();
        if (request.idleTimeout().isNegative()) {
            throw new BadRequestException("idleTimeout must not be negative");
        }
        Optional<Snapshot> from = request.fromSnapshot().isEmpty() ? Optional.empty()
                : Optional.of(snapshots.usable(caller, request.fromSnapshot()));
        SandboxRecord wanted = new SandboxRecord(Sandboxes.newId(), caller.tenant(), request.name(), engine,
                request.image(), resources, network, request.env(), request.labels(), idle, request.fromSnapshot(),
                false, sandboxes.clock.instant());
        SandboxEntry e;
        boolean claimed;
        synchronized (admission) {
            checkQuota(caller.tenant(), resources, request.name());
            Optional<SandboxEntry> fromPool = pool.fits(engine, request, resources) ? pool.take(wanted) : Optional.empty();
            claimed = fromPool.isPresent();
            if (claimed) {
                e = fromPool.get();
            } else {
                sandboxes.store.saveSandbox(wanted);
                e = new SandboxEntry(wanted, wanted.createdAt(), true);
                sandboxes.put(e);
            }
        }
        try {
            if (claimed) {
                sandboxes.store.saveSandbox(e.record());
                sandboxes.manager.reassign(e.record().deployment(), caller.tenant());
            } else {
                AppSpec spec = Sandboxes.spec(wanted, request.command());
                if (from.isPresent()) {
                    snapshots.restore(from.get(), sandboxes.workspace(wanted, spec));
                }
                sandboxes.deploy(e, spec);
            }
        } catch (RuntimeException ex) {
            discard(e);
            throw ex;
        }
        sandboxes.touch(e);
        return sandboxes.view(e);
    }

    private void discard(SandboxEntry e) {
        try {
            sandboxes.delete(e);
            LifecycleController.deleteTree(sandboxes.manager.layout().deploymentDir(e.record().deployment()));
        } catch (IOException | RuntimeException ex) {
            LOG.warn("could not clean up sandbox {} after its failed create: {}", e.id(), ex.getMessage());
        }
    }

    @Override
    public Sandbox get(Caller caller, String id) {
        return sandboxes.view(sandboxes.find(caller, id));
    }

    @Override
    public List<Sandbox> list(Caller caller) {
        return sandboxes.visible(caller).stream().map(sandboxes::view).toList();
    }

    @Override
    public Sandbox delete(Caller caller, String id) {
        SandboxEntry e = sandboxes.find(caller, id);
        sandboxes.delete(e);
        return sandboxes.view(e);
    }

    @Override
    public Sandbox suspend(Caller caller, String id) {
        return sandboxes.suspend(sandboxes.find(caller, id));
    }

    @Override
    public Sandbox resume(Caller caller, String id) {
        SandboxEntry e = sandboxes.find(caller, id);
        sandboxes.ensureRunning(e);
        sandboxes.touch(e);
        return sandboxes.view(e);
    }

    @Override
    public Sandbox keepAlive(Caller caller, String id) {
        SandboxEntry e = sandboxes.find(caller, id);
        sandboxes.touch(e);
        return sandboxes.view(e);
    }

    // ---- commands -----------------------------------------------------------------------------

    @Override
    public Execution execSync(Caller caller, String sandboxId, ExecRequest request) {
        return executions.execSync(sandboxes.find(caller, sandboxId), request);
    }

    @Override
    public Execution execAsync(Caller caller, String sandboxId, ExecRequest request) {
        return executions.execAsync(sandboxes.find(caller, sandboxId), request);
    }

    @Override
    public Execution execution(Caller caller, String sandboxId, String executionId) {
        return executions.run(sandboxes.find(caller, sandboxId), executionId).view();
    }

    @Override
    public List<Execution> executions(Caller caller, String sandboxId) {
        return executions.list(sandboxes.find(caller, sandboxId));
    }

    @Override
    public Execution await(Caller caller, String sandboxId, String executionId, Duration timeout) {
        return executions.await(sandboxes.find(caller, sandboxId), executionId, timeout);
    }

    @Override
    public Execution kill(Caller caller, String sandboxId, String executionId) {
        return executions.kill(sandboxes.find(caller, sandboxId), executionId);
    }

    @Override
    public void sendStdin(Caller caller, String sandboxId, String executionId, byte[] data, boolean close) {
        executions.stdin(sandboxes.find(caller, sandboxId), executionId, data, close);
    }

    @Override
    public Subscription followOutput(Caller caller, String sandboxId, String executionId, long stdoutOffset,
                                     long stderrOffset, Consumer<OutputChunk> sink) {
        return executions.follow(sandboxes.find(caller, sandboxId), executionId, stdoutOffset, stderrOffset, sink);
    }

    @Override
    public Interactive interactive(Caller caller, String sandboxId, ExecRequest request) {
        return executions.interactive(sandboxes.find(caller, sandboxId), request);
    }

    // ---- files --------------------------------------------------------------------------------

    @Override
    public List<FileEntry> listFiles(Caller caller, String sandboxId, String path) {
        return files.list(roots(caller, sandboxId), path);
    }

    @Override
    public InputStream readFile(Caller caller, String sandboxId, String path) {
        return files.read(roots(caller, sandboxId), path);
    }

    @Override
    public long writeFile(Caller caller, String sandboxId, String path, InputStream data) {
        return files.write(roots(caller, sandboxId), path, data);
    }

    @Override
    public void mkdir(Caller caller, String sandboxId, String path) {
        files.mkdir(roots(caller, sandboxId), path);
    }

    @Override
    public void deleteFile(Caller caller, String sandboxId, String path, boolean recursive) {
        files.delete(roots(caller, sandboxId), path, recursive);
    }

    /** File calls are activity, and wake a suspended sandbox as exec does. */
    private Map<String, Path> roots(Caller caller, String sandboxId) {
        SandboxEntry e = sandboxes.find(caller, sandboxId);
        sandboxes.ensureRunning(e);
        sandboxes.touch(e);
        return sandboxes.roots(e.record(), null);
    }

    // ---- snapshots ----------------------------------------------------------------------------

    @Override
    public Snapshot snapshot(Caller caller, String sandboxId, String name, boolean async) {
        SandboxEntry e = sandboxes.find(caller, sandboxId);
        sandboxes.touch(e);
        return snapshots.take(e, name, async);
    }

    @Override
    public List<Snapshot> snapshots(Caller caller) {
        return snapshots.list(caller);
    }

    @Override
    public Snapshot snapshotInfo(Caller caller, String snapshotId) {
        return snapshots.find(caller, snapshotId);
    }

    @Override
    public void deleteSnapshot(Caller caller, String snapshotId) {
        snapshots.delete(caller, snapshotId);
    }

    // ---- checks -------------------------------------------------------------------------------

    private void checkQuota(String tenant, Resources resources, String name) {
        SandboxConfig config = sandboxes.config;
        List<SandboxRecord> mine = sandboxes.ofTenant(tenant);
        if (!name.isEmpty() && mine.stream().anyMatch(r -> r.name().equals(name))) {
            throw new ConflictException("you already have a sandbox named '" + name + "'; choose another name or "
                    + "delete that one", Map.of("name", name));
        }
        if (config.maxSandboxesPerTenant() > 0 && mine.size() >= config.maxSandboxesPerTenant()) {
            throw new QuotaExceededException("tenant '" + tenant + "' has " + mine.size() + " sandboxes, as many as its "
                    + "quota allows (maxSandboxesPerTenant = " + config.maxSandboxesPerTenant() + "); delete one "
                    + "(`era sandbox rm ID`) or ask the operator to raise the quota", Map.of("tenant", tenant,
                    "quota", "maxSandboxesPerTenant", "limit", config.maxSandboxesPerTenant(), "current", mine.size()));
        }
        long used = mine.stream().mapToLong(r -> r.resources().memoryBytes()).sum();
        long limit = config.maxMemoryPerTenant();
        if (limit > 0 && used + resources.memoryBytes() > limit) {
            throw new QuotaExceededException("tenant '" + tenant + "' has sandboxes with " + mib(used) + " MiB of memory; "
                    + "this one's " + mib(resources.memoryBytes()) + " MiB would exceed its quota of " + mib(limit)
                    + " MiB (maxMemoryPerTenant); ask for less memory, delete a sandbox, or ask the operator to raise"
                    + " the quota", Map.of("tenant", tenant, "quota", "maxMemoryPerTenant", "limit", limit, "current", used,
                    "requested", resources.memoryBytes()));
        }
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    private static Resources withDefaults(Resources r, Resources d) {
        return new Resources(r.cpu() > 0 ? r.cpu() : d.cpu(), r.memoryBytes() > 0 ? r.memoryBytes() : d.memoryBytes(),
                r.pids() > 0 ? r.pids() : d.pids());
    }

    private static String network(String n) {
        return switch (n) {
            case "", "none" -> "none";
            case "host" -> "host";
            default -> throw new BadRequestException("network must be none or host, got '" + SpecCodec.clip(n) + "'",
                    Map.of("network", SpecCodec.clip(n)));
        };
    }

    private static void checkNames(SandboxRequest r) {
        if (!r.name().isEmpty() && !SpecCodec.NAME.matcher(r.name()).matches()) {
            throw new BadRequestException("sandbox name '" + SpecCodec.clip(r.name()) + "' must be 1-63 lower-case "
                    + "letters, digits and '-', starting and ending with a letter or digit", Map.of("name", SpecCodec.clip(r.name())));
        }
        if (r.env().size() > MAX_ENV || r.labels().size() > MAX_LABELS) {
            throw new BadRequestException("a sandbox takes at most " + MAX_ENV + " environment variables and "
                    + MAX_LABELS + " labels");
        }
        r.env().forEach((k, v) -> {
            if (!ShellCommand.validEnvName(k) || v.indexOf('\0') >= 0) {
                throw new BadRequestException("environment variable '" + SpecCodec.clip(k) + "' needs a name of letters,"
                        + " digits and '_' (not starting with a digit) and a value without NUL bytes", Map.of("env", SpecCodec.clip(k)));
            }
        });
        r.labels().forEach((k, v) -> {
            if (k.isEmpty() || k.length() > 63 || v.length() > 256) {
                throw new BadRequestException("label '" + SpecCodec.clip(k) + "' needs a key of 1-63 characters and a "
                        + "value of at most 256", Map.of("label", SpecCodec.clip(k)));
            }
        });
        if (r.image().length() > 512 || r.command().stream().anyMatch(a -> a.indexOf('\0') >= 0)) {
            throw new BadRequestException("image must be at most 512 characters and command must not contain NUL bytes");
        }
    }

    /** Stops refilling the warm pool; sandboxes keep running (they are deployments, reattached at the next start). */
    @Override
    public void close() {
        pool.close();
        sandboxes.close();
    }
}
