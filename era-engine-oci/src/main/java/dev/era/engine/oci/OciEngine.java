package dev.era.engine.oci;

import dev.era.api.AppSpec;
import dev.era.api.AppStatus;
import dev.era.api.Capability;
import dev.era.api.EngineException;
import dev.era.api.EngineHandle;
import dev.era.api.Exec;
import dev.era.api.ExecProcess;
import dev.era.api.ExecSpec;
import dev.era.api.ExitListener;
import dev.era.api.FileAccess;
import dev.era.api.GcReport;
import dev.era.api.ImageCache;
import dev.era.api.ImageInfo;
import dev.era.api.ImageRemoval;
import dev.era.api.PullProgress;
import dev.era.api.InvalidSpecException;
import dev.era.api.Pausable;
import dev.era.api.Checkpointable;
import dev.era.api.RuntimePlugin;
import dev.era.api.Volume;
import dev.era.api.Workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs OCI images with runc (spec {@code engine: oci}, {@code artifact: <image reference>}).
 *
 * <p>{@code fetch} pulls the image into the shared content-addressed store ({@link ImageStore});
 * {@code install} pins the version to the manifest digest it pulled. Each start mounts the image's
 * layers under a writable layer of the version ({@link Rootfs}), writes a hardened runtime spec
 * ({@link RuntimeSpec}) and runs {@code runc run} in the foreground under a small {@code sh} shim
 * in its own session: the shim outlives a daemon crash, sends the container's output to the
 * workload's log and records its exit status in the run directory, as the process engine's
 * wrapper does. Each start gets its own container id; the run directory's {@code state} file
 * names the current one, which makes {@code start} idempotent and {@code recover} possible.
 *
 * <p>Needs root, runc, overlayfs and GNU tar.
 */
public final class OciEngine implements RuntimePlugin, Pausable, Checkpointable, Exec, FileAccess, ImageCache {
    private static final String STATE = "state";
    private static final String IMAGE_PIN = "image";
    /** Written into the checkpoint directory once runc's dump has finished. */
    private static final String CHECKPOINT_DONE = "done";
    private static final String WORKSPACE = "/workspace";
    private static final Duration READY_WAIT = Duration.ofSeconds(10);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final Optional<Path> imagesRoot;
    private final Supplier<RegistryClient> registry;
    private final Runc runc;
    private final Clock clock;
    private final Map<Path, ImageStore> stores = new ConcurrentHashMap<>();
    private final Map<Path, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, ExitListener> listeners = new ConcurrentHashMap<>();
    private final CriuProbe criu = new CriuProbe(List.of("criu", "check"));

    /**
     * As the daemon loads it: images under {@code <data>/images}, found from the workloads' layout
     * ({@code <data>/deployments/<id>/run}), containers' state under {@code /run/era-oci}.
     */
    public OciEngine() {
        this(Optional.empty(), Lazy.of(() -> new RegistryClient(Map.of())), new Runc("runc", Path.of("/run/era-oci")),
                Clock.systemUTC());
    }

    /**
     * As the daemon configures it: images under {@code <dataDir>/images}, which also serves
     * {@link ImageCache} (the {@code /images} API), pulling with {@code credentials}.
     */
    public static OciEngine create(Path dataDir, RegistryCredentials credentials) {
        return new OciEngine(Optional.of(dataDir.toAbsolutePath().resolve("images")),
                Lazy.of(() -> new RegistryClient(credentials.byRegistry())), new Runc("runc", Path.of("/run/era-oci")),
                Clock.systemUTC());
    }

    OciEngine(Optional<Path> imagesRoot, RegistryClient registry, Runc runc, Clock clock) {
        this(imagesRoot, () -> registry, runc, clock);
    }

    /** {@code registry} is asked for on the first pull: an HTTP client has a selector thread, idle engines need none. */
    private OciEngine(Optional<Path> imagesRoot, Supplier<RegistryClient> registry, Runc runc, Clock clock) {
        this.imagesRoot = imagesRoot;
        this.registry = registry;
        this.runc = runc;
        this.clock = clock;
    }

    @Override
    public String name() {
        return ContainerRef.ENGINE;
    }

    /** CHECKPOINT once {@code criu check} (run in the background from the first call on) has passed. */
    @Override
    public Set<Capability> capabilities() {
        Set<Capability> all = EnumSet.of(Capability.LOGS, Capability.VOLUME, Capability.NAMESPACES, Capability.NETWORK,
                Capability.EXEC, Capability.PTY, Capability.FILES, Capability.SANDBOX);
        if (criu.knownToWork()) {
            all.add(Capability.CHECKPOINT);
        }
        return all;
    }

    @Override
    public void validate(AppSpec spec) {
        ImageRef.parse(spec.artifact());
        for (Volume v : spec.volumes()) {
            if (!v.mountPath().startsWith("/")) {
                throw new InvalidSpecException("volumes", "volume '" + v.name() + "' must be mounted at an absolute path, not '"
                        + v.mountPath() + "'", Map.of("volume", v.name()));
            }
        }
    }

    /** Pulls the image; a reference pinned by digest that is already here needs no registry. */
    @Override
    public void fetch(Workload workload) {
        ImageRef ref = ImageRef.parse(workload.spec().artifact());
        ImageStore store = store(workload);
        if (ref.pinnedDigest().isEmpty() || store.local(ref).isEmpty()) {
            store.pull(ref);
        }
    }

    /** Pins the version to the image the reference resolves to now, so a later tag move does not change it. */
    @Override
    public void install(Workload workload) {
        Path pin = workload.installDir().resolve(IMAGE_PIN);
        if (Files.exists(pin)) {
            return;
        }
        ImageRef ref = ImageRef.parse(workload.spec().artifact());
        ImageStore store = store(workload);
        Image image = store.local(ref).orElseGet(() -> store.pull(ref));
        try {
            Files.createDirectories(workload.installDir());
            Files.writeString(pin, image.manifestDigest() + "\n");
        } catch (IOException e) {
            throw new EngineException("deployment " + workload.id() + ": cannot write " + pin + ": " + e.getMessage(),
                    Map.of("deployment", workload.id().value()), e);
        }
    }

    @Override
    public EngineHandle start(Workload workload, ExitListener onExit) {
        Workload w = absolute(workload);
        synchronized (lock(w.runDir())) {
            Path stateFile = w.runDir().resolve(STATE);
            Optional<ContainerRef> current = ContainerRef.load(stateFile).filter(r -> alive(r));
            if (current.isPresent()) {
                watch(current.get(), onExit, Optional.empty());
                return current.get().handle();
            }
            removeLeftovers(w); // of a start that crashed before it saved its state: untracked, they would run on unseen
            install(w);
            Image image = pinnedImage(w);
            String token = Long.toString(clock.millis(), 36) + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
            String container = "era-" + w.id().value() + "-v" + w.version() + "-" + token;
            Path bundle = w.installDir().resolve("container");
            Path exitFile = w.runDir().resolve("exit-" + token);
            Path pidFile = w.runDir().resolve("pid-" + token);
            try {
                Files.createDirectories(w.runDir());
                for (Volume v : w.spec().volumes()) {
                    Files.createDirectories(w.volume(v));
                }
                Rootfs rootfs = Rootfs.at(bundle);
                rootfs.mount(store(w), image);
                store(w).markUsed(image.manifestDigest(), clock.instant());
                Map<String, Path> roots = fileRoots(w);
                for (Path p : roots.values()) {
                    Files.createDirectories(p);
                }
                Files.write(bundle.resolve("config.json"), RuntimeSpec.build(w, image, rootfs.path(), container, roots));
            } catch (IOException e) {
                throw new EngineException("deployment " + w.id() + ": cannot prepare the container on image " + w.spec().artifact()
                        + ": " + e.getMessage(), Map.of("deployment", w.id().value()), e);
            }
            Process shim = Shim.launch(runc, bundle, container, pidFile, exitFile, w.logFile());
            ContainerRef ref = new ContainerRef(container, runc.root(), bundle, w.runDir(), exitFile, shim.pid(),
                    shim.info().startInstant().orElse(Instant.EPOCH), clock.instant());
            ref.save(stateFile);
            awaitCreated(w, shim, pidFile, exitFile);
            watch(ref, onExit, Optional.of(shim));
            return ref.handle();
        }
    }

    @Override
    public void stop(EngineHandle handle, Duration grace) {
        ContainerRef ref = ContainerRef.decode(handle);
        synchronized (lock(ref.runDir())) {
            listeners.remove(ref.container());
            Optional<Runc.State> state = runc(ref).state(ref.container());
            if (state.isPresent() && state.get().status().equals("paused")) {
                runc(ref).quietly("resume", ref.container()); // frozen processes would not take the signal
            }
            if (state.isPresent() && state.get().alive()) {
                runc(ref).quietly("kill", ref.container(), "TERM");
                if (!awaitGone(ref, grace)) {
                    runc(ref).quietly("kill", "--all", ref.container(), "KILL");
                    if (!awaitGone(ref, KILL_WAIT)) {
                        throw new EngineException("container " + ref.container() + " is still there " + KILL_WAIT.toSeconds()
                                + " s after SIGKILL; it may be stuck in the kernel, check the host", Map.of("container", ref.container()));
                    }
                }
            }
            cleanUp(ref);
        }
    }

    @Override
    public void delete(Workload workload) {
        Workload w = absolute(workload);
        synchronized (lock(w.runDir())) {
            ContainerRef.load(w.runDir().resolve(STATE)).ifPresent(ref -> stop(ref.handle(), w.spec().stopTimeout()));
            try {
                Rootfs.at(w.installDir().resolve("container")).close();
                Trees.delete(w.installDir());
                Trees.delete(w.runDir());
            } catch (IOException e) {
                throw new EngineException("deployment " + w.id() + ": cannot delete " + w.installDir() + " or " + w.runDir() + ": "
                        + e.getMessage() + "; check permissions and retry", Map.of("deployment", w.id().value()), e);
            }
        }
    }

    @Override
    public AppStatus status(EngineHandle handle) {
        ContainerRef ref = ContainerRef.decode(handle);
        Optional<Runc.State> state = runc(ref).state(ref.container());
        if (state.isPresent() && state.get().alive()) {
            return new AppStatus.Running(state.get().pid(), ref.startedAt());
        }
        return ExitStatus.read(ref.exitFile(), clock).<AppStatus>map(e -> e)
                .orElseGet(() -> new AppStatus.Gone("container " + ref.container() + " no longer runs and left no exit record in "
                        + ref.exitFile()));
    }

    @Override
    public Optional<EngineHandle> recover(EngineHandle handle, Workload workload, ExitListener onExit) {
        ContainerRef ref = ContainerRef.decode(handle);
        if (!alive(ref)) {
            return Optional.empty();
        }
        watch(ref, onExit, Optional.empty());
        return Optional.of(handle);
    }

    @Override
    public void pause(EngineHandle handle) {
        ContainerRef ref = ContainerRef.decode(handle);
        requireAlive(ref, "pause");
        runc(ref).must("pausing " + ref.container(), "pause", ref.container());
    }

    @Override
    public void resume(EngineHandle handle) {
        ContainerRef ref = ContainerRef.decode(handle);
        requireAlive(ref, "resume");
        runc(ref).must("resuming " + ref.container(), "resume", ref.container());
    }

    @Override
    public Optional<String> checkpointProblem() {
        return criu.problem();
    }

    /**
     * {@code runc checkpoint} into the run directory; runc ends the container, and its shim's exit is
     * no exit of the work (the listener is taken off first). The overlay stays mounted for the restore.
     */
    @Override
    public void checkpoint(EngineHandle handle) {
        ContainerRef ref = ContainerRef.decode(handle);
        Optional<String> problem = criu.problem();
        if (problem.isPresent()) {
            throw new EngineException("cannot checkpoint container " + ref.container() + ": CRIU does not work on this host: "
                    + problem.get() + "; it keeps running (pause freezes it in memory instead)",
                    Map.of("container", ref.container()));
        }
        synchronized (lock(ref.runDir())) {
            requireAlive(ref, "checkpoint");
            Path images = checkpointDir(ref);
            ExitListener listener = listeners.remove(ref.container());
            try {
                Trees.delete(images);
                Files.createDirectories(images);
                runc(ref).must("checkpointing " + ref.container() + " with CRIU (its log: " + images.resolve("dump.log") + ")",
                        "checkpoint", "--image-path", images.toString(), "--work-path", images.toString(), ref.container());
                Files.writeString(images.resolve(CHECKPOINT_DONE), ref.container() + "\n");
            } catch (IOException | RuntimeException e) {
                if (listener != null && alive(ref)) {
                    watch(ref, listener, Optional.empty()); // the dump failed; the work runs on and is watched again
                }
                throw e instanceof EngineException x ? x : new EngineException("cannot checkpoint container " + ref.container()
                        + ": " + e.getMessage(), Map.of("container", ref.container()), e);
            }
        }
    }

    @Override
    public boolean checkpointed(EngineHandle handle) {
        return Files.exists(checkpointDir(ContainerRef.decode(handle)).resolve(CHECKPOINT_DONE));
    }

    @Override
    public EngineHandle restore(EngineHandle handle, Workload workload, ExitListener onExit) {
        ContainerRef old = ContainerRef.decode(handle);
        Workload w = absolute(workload);
        synchronized (lock(w.runDir())) {
            Path images = checkpointDir(old);
            if (!Files.exists(images.resolve(CHECKPOINT_DONE))) {
                throw new EngineException("container " + old.container() + " has no checkpoint to restore in " + images
                        + "; start it instead", Map.of("container", old.container()));
            }
            String token = Long.toString(clock.millis(), 36);
            Path exitFile = w.runDir().resolve("exit-" + token);
            Path pidFile = w.runDir().resolve("pid-" + token);
            runc(old).quietly("delete", "--force", old.container()); // a leftover record would refuse the same id
            Process shim = Shim.restore(runc(old), old.bundle(), old.container(), pidFile, exitFile, w.logFile(), images);
            ContainerRef ref = new ContainerRef(old.container(), old.runcRoot(), old.bundle(), w.runDir(), exitFile, shim.pid(),
                    shim.info().startInstant().orElse(Instant.EPOCH), clock.instant());
            ref.save(w.runDir().resolve(STATE));
            awaitCreated(w, shim, pidFile, exitFile);
            watch(ref, onExit, Optional.of(shim));
            Trees.deleteQuietly(images); // used up: a second restore of the same images would fork the work
            return ref.handle();
        }
    }

    private static Path checkpointDir(ContainerRef ref) {
        return ref.runDir().resolve("checkpoint");
    }

    @Override
    public boolean paused(EngineHandle handle) {
        ContainerRef ref = ContainerRef.decode(handle);
        return runc(ref).state(ref.container()).map(s -> s.status().equals("paused")).orElse(false);
    }

    /**
     * Runs a command inside a running container with {@code runc exec}; in a sandbox it starts in
     * {@code /workspace} unless told otherwise.
     */
    @Override
    public ExecProcess exec(EngineHandle handle, ExecSpec spec) {
        ContainerRef ref = ContainerRef.decode(handle);
        String status = runc(ref).state(ref.container()).map(Runc.State::status).orElse("gone");
        if (!status.equals("running")) {
            throw new EngineException("container " + ref.container() + " is " + status + "; "
                    + (status.equals("paused") ? "resume it" : "start it") + " before exec", Map.of("container", ref.container()));
        }
        String cwd = !spec.workingDir().isEmpty() ? spec.workingDir()
                : Files.isDirectory(ref.bundle().resolve("rootfs").resolve(WORKSPACE.substring(1))) ? WORKSPACE : "";
        Runc r = runc(ref);
        return spec.tty() ? TtyExec.start(r, ref.bundle(), ref.container(), spec, cwd) : RuncExec.start(r, ref.container(), spec, cwd);
    }

    /** For a sandbox, its {@code /workspace}: a host directory of the deployment, bind-mounted, kept across stops and versions. */
    @Override
    public Map<String, Path> fileRoots(Workload workload) {
        return workload.spec().isolation().sandboxed()
                ? Map.of(WORKSPACE, workload.volumesDir().toAbsolutePath().resolve("workspace")) : Map.of();
    }

    @Override
    public List<ImageInfo> images() {
        return images(requireImagesRoot()).images();
    }

    @Override
    public ImageInfo pull(String reference, Consumer<PullProgress> progress) {
        return images(requireImagesRoot()).pull(reference, progress);
    }

    @Override
    public ImageRemoval remove(String reference, boolean force) {
        return images(requireImagesRoot()).remove(reference, force);
    }

    @Override
    public GcReport collectGarbage() {
        return images(requireImagesRoot()).collectGarbage();
    }

    /** The deployments pinned to an image live next to the image store: {@code <data>/deployments}. */
    private OciImages images(Path root) {
        return new OciImages(stores.computeIfAbsent(root, r -> new ImageStore(r, registry.get())), root.resolveSibling("deployments"));
    }

    private Path requireImagesRoot() {
        return imagesRoot.orElseThrow(() -> new EngineException("this oci engine was loaded without a data directory, so it "
                + "has no image store to list; the daemon configures one with OciEngine.create", Map.of()));
    }

    /** The image store: the one given, or {@code <data>/images} for a workload laid out as the daemon does. */
    ImageStore store(Workload w) {
        Path root = imagesRoot.orElseGet(() -> {
            Path deployments = w.runDir().toAbsolutePath().getParent().getParent();
            if (deployments == null || !deployments.getFileName().toString().equals("deployments")) {
                throw new EngineException("the oci engine finds its image store next to the deployments directory, but run "
                        + "directory " + w.runDir() + " is not under <data>/deployments/<id>/", Map.of("runDir", w.runDir().toString()));
            }
            return deployments.resolveSibling("images");
        });
        return stores.computeIfAbsent(root, r -> new ImageStore(r, registry.get()));
    }

    private Image pinnedImage(Workload w) {
        try {
            String digest = Files.readString(w.installDir().resolve(IMAGE_PIN)).strip();
            return store(w).load(w.spec().artifact(), digest);
        } catch (IOException e) {
            throw new EngineException("deployment " + w.id() + ": the image pin in " + w.installDir() + " is unreadable: "
                    + e.getMessage() + "; install again", Map.of("deployment", w.id().value()), e);
        }
    }

    private boolean alive(ContainerRef ref) {
        return ref.shimAlive() && runc(ref).state(ref.container()).map(Runc.State::alive).orElse(false);
    }

    private void removeLeftovers(Workload w) {
        String prefix = "era-" + w.id().value() + "-v" + w.version() + "-";
        for (String container : runc.list()) {
            if (container.startsWith(prefix)) {
                runc.quietly("kill", "--all", container, "KILL");
                runc.quietly("delete", "--force", container);
            }
        }
    }

    private Runc runc(ContainerRef ref) {
        return runc.at(ref.runcRoot());
    }

    private void requireAlive(ContainerRef ref, String what) {
        if (runc(ref).state(ref.container()).map(Runc.State::alive).orElse(false)) {
            return;
        }
        throw new EngineException("container " + ref.container() + " does not run; there is nothing to " + what,
                Map.of("container", ref.container()));
    }

    /** Waits until runc has created the container (its pid file appears) or the shim gave up. */
    private static void awaitCreated(Workload w, Process shim, Path pidFile, Path exitFile) {
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        while (!Files.exists(pidFile) && shim.isAlive()) {
            if (System.nanoTime() - deadline > 0) {
                throw new EngineException("deployment " + w.id() + ": runc did not create the container within "
                        + READY_WAIT.toSeconds() + " s; see " + w.logFile(), Map.of("deployment", w.id().value()));
            }
            LockSupport.parkNanos(200_000); // a start is measured in milliseconds
        }
        if (!Files.exists(pidFile) && !Files.exists(exitFile)) {
            throw new EngineException("deployment " + w.id() + ": runc could not start the container on image " + w.spec().artifact()
                    + "; its error is at the end of " + w.logFile(), Map.of("deployment", w.id().value()));
        }
    }

    /** Tells {@code onExit} once when the shim ends, unless a stop came first. */
    private void watch(ContainerRef ref, ExitListener onExit, Optional<Process> spawned) {
        listeners.put(ref.container(), onExit);
        var exit = spawned.map(Process::toHandle).or(() -> ProcessHandle.of(ref.shimPid()))
                .map(ProcessHandle::onExit).orElse(java.util.concurrent.CompletableFuture.completedFuture(null));
        exit.thenRunAsync(() -> {
            ExitListener listener = listeners.remove(ref.container());
            if (listener == null) {
                return;
            }
            synchronized (lock(ref.runDir())) {
                cleanUp(ref);
            }
            listener.exited(ExitStatus.read(ref.exitFile(), clock).orElseGet(() ->
                    new AppStatus.Exited(-1, "exit status unknown: the shim of " + ref.container() + " ended without recording it",
                            clock.instant())));
        }, r -> Thread.ofVirtual().name("oci-exit-" + ref.container()).start(r));
    }

    private boolean awaitGone(ContainerRef ref, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int round = 0;
        while (ref.shimAlive() || runc(ref).state(ref.container()).map(Runc.State::alive).orElse(false)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(Duration.ofMillis(Math.min(20, 1L << Math.min(round++, 5))).toNanos());
        }
        return true;
    }

    /** Removes what is left of an ended container: runc's record and the overlay mount (the upper layer stays). */
    private void cleanUp(ContainerRef ref) {
        runc(ref).quietly("delete", "--force", ref.container());
        if (ContainerRef.load(ref.runDir().resolve(STATE)).map(current -> !current.container().equals(ref.container())).orElse(false)) {
            return; // a later start of the workload runs on the same mount
        }
        try {
            Rootfs.at(ref.bundle()).close();
        } catch (IOException e) {
            throw new EngineException("cannot unmount the root filesystem of " + ref.container() + ": " + e.getMessage(),
                    Map.of("container", ref.container()), e);
        }
    }

    private static Workload absolute(Workload w) {
        return new Workload(w.id(), w.version(), w.spec(), w.installDir().toAbsolutePath(), w.volumesDir().toAbsolutePath(),
                w.runDir().toAbsolutePath(), w.logFile().toAbsolutePath());
    }

    private Object lock(Path runDir) {
        return locks.computeIfAbsent(runDir.toAbsolutePath().normalize(), k -> new Object());
    }
}
