package dev.era.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sandboxes created ahead of demand, running and default-shaped, so that a create with default
 * settings only has to claim one (a store write) instead of starting one. They belong to no tenant
 * until claimed ({@link SandboxRecord#POOL}), are invisible to clients, never idle out, and are
 * replaced in the background as they are claimed. A failed refill is retried with backoff.
 */
final class WarmPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WarmPool.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Sandboxes sandboxes;
    private final int size;
    private final ArrayDeque<SandboxEntry> ready = new ArrayDeque<>(); // guarded by this
    private int creating; // guarded by this
    private Duration backoff = Duration.ZERO; // guarded by this
    private String engine = ""; // guarded by this; empty while the pool cannot work
    private volatile boolean closed;

    WarmPool(Sandboxes sandboxes, int size) {
        this.sandboxes = sandboxes;
        this.size = size;
    }

    /** Takes the recovered pool sandboxes that survived a restart and can still serve (running, same engine and resources), and discards the rest; {@link #refill()} fills up. */
    void adopt(List<SandboxEntry> recovered) {
        if (size > 0) {
            try {
                synchronized (this) {
                    engine = sandboxes.engineFor("");
                }
            } catch (RuntimeException e) {
                LOG.warn("warm pool disabled: {}", e.getMessage());
            }
        }
        for (SandboxEntry e : recovered) {
            if (!e.record().pooled()) {
                continue;
            }
            boolean usable = e.record().engine().equals(engineName())
                    && e.record().resources().equals(sandboxes.config.defaultResources())
                    && sandboxes.alive(e);
            synchronized (this) {
                if (usable && ready.size() < size) {
                    ready.add(e);
                    continue;
                }
            }
            sandboxes.scheduler.execute(() -> discard(e));
        }
    }

    private synchronized String engineName() {
        return engine;
    }

    /** Whether a request with these settings can be served by a pool sandbox. */
    boolean fits(String engineName, SandboxRequest r, dev.era.api.Resources resources) {
        return size > 0 && engineName.equals(engineName()) && r.image().isEmpty()
                && (r.network().isEmpty() || r.network().equals("none")) && r.command().isEmpty()
                && r.fromSnapshot().isEmpty() && resources.equals(sandboxes.config.defaultResources());
    }

    /**
     * Hands out a running pool sandbox, already re-labelled as {@code claimed} in memory (the caller
     * holds the admission lock, so quotas see it at once), or empty when none is ready.
     */
    Optional<SandboxEntry> take(SandboxRecord claimed) {
        while (true) {
            SandboxEntry e;
            synchronized (this) {
                e = ready.poll();
            }
            if (e == null) {
                refill();
                return Optional.empty();
            }
            if (sandboxes.alive(e)) {
                SandboxRecord r = claimed(e.record(), claimed);
                e.record(r);
                refill();
                return Optional.of(e);
            }
            sandboxes.scheduler.execute(() -> discard(e));
        }
    }

    /** The claimed record keeps the pool sandbox's id, engine and shape; the rest is the claimer's. */
    private static SandboxRecord claimed(SandboxRecord pooled, SandboxRecord wanted) {
        return new SandboxRecord(pooled.id(), wanted.tenant(), wanted.name(), pooled.engine(), pooled.image(),
                pooled.resources(), pooled.network(), wanted.env(), wanted.labels(), wanted.idleTimeout(), "", false,
                wanted.createdAt());
    }

    synchronized int ready() {
        return ready.size();
    }

    /** Starts creations until ready + being created reaches the pool size. */
    void refill() {
        int toStart;
        synchronized (this) {
            if (closed || engine.isEmpty()) {
                return;
            }
            toStart = Math.max(0, size - ready.size() - creating);
            creating += toStart;
        }
        for (int i = 0; i < toStart; i++) {
            sandboxes.scheduler.execute(this::createOne);
        }
    }

    private void createOne() {
        SandboxConfig config = sandboxes.config;
        SandboxRecord r = new SandboxRecord(Sandboxes.newId(), SandboxRecord.POOL, "", engineName(), "",
                config.defaultResources(), "none", Map.of(), Map.of(), Duration.ZERO, "", true,
                sandboxes.clock.instant());
        SandboxEntry e = new SandboxEntry(r, r.createdAt(), true);
        try {
            sandboxes.store.saveSandbox(r);
            sandboxes.put(e);
            Deployment d = sandboxes.deploy(e, Sandboxes.spec(r, List.of()));
            if (d.state() != LifecycleState.RUNNING) {
                throw new dev.era.api.EngineException("pool sandbox " + r.id() + " is still " + d.state()
                        + " after " + config.createTimeout().toSeconds() + " s");
            }
            synchronized (this) {
                creating--;
                backoff = Duration.ZERO;
                if (closed) {
                    return;
                }
                ready.add(e);
            }
        } catch (RuntimeException ex) {
            Duration wait;
            synchronized (this) {
                creating--;
                backoff = backoff.isZero() ? Duration.ofSeconds(1) : min(backoff.multipliedBy(2), MAX_BACKOFF);
                wait = backoff;
            }
            LOG.warn("could not fill the warm pool ({}); trying again in {}", ex.getMessage(), wait);
            discard(e);
            if (!closed) {
                sandboxes.scheduler.schedule(wait, this::refill);
            }
        }
    }

    private void discard(SandboxEntry e) {
        try {
            sandboxes.delete(e);
        } catch (RuntimeException ex) {
            LOG.warn("could not remove pool sandbox {}: {}", e.id(), ex.getMessage());
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public void close() {
        closed = true;
    }
}
