package dev.era.core;

import dev.era.api.ConflictException;
import dev.era.api.DeploymentId;
import dev.era.api.NotFoundException;
import dev.era.core.spi.StateStore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A StateStore in memory, for the core's own tests (the real stores depend on the core). */
final class MemoryStore implements StateStore {
    private final Map<DeploymentId, Deployment> rows = new LinkedHashMap<>();
    private final Map<DeploymentId, List<SpecVersion>> versions = new LinkedHashMap<>();
    private final List<Event> events = new ArrayList<>();
    private final List<ApiKey> keys = new ArrayList<>();
    private final Map<String, SandboxRecord> sandboxes = new LinkedHashMap<>();
    private final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    int writes;
    /** The next this many reads of versions fail, as a broken disk would. */
    final java.util.concurrent.atomic.AtomicInteger failVersionReads = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public synchronized long create(Deployment d, Event e) {
        if (findByName(d.tenant(), d.name()).isPresent()) {
            throw new ConflictException("duplicate " + d.name());
        }
        rows.put(d.id(), d);
        versions.put(d.id(), new ArrayList<>(List.of(new SpecVersion(d.id(), d.version(), d.spec(), d.createdAt()))));
        return append(e);
    }

    @Override
    public synchronized long transition(Deployment d, Event e) {
        if (!rows.containsKey(d.id())) {
            throw new NotFoundException("no " + d.id());
        }
        rows.put(d.id(), d);
        return append(e);
    }

    @Override
    public synchronized long addVersion(Deployment d, SpecVersion v, Event e) {
        if (!rows.containsKey(d.id())) {
            throw new NotFoundException("no " + d.id());
        }
        int latest = versions.get(d.id()).stream().mapToInt(SpecVersion::version).max().orElse(0);
        if (v.version() <= latest) {
            throw new ConflictException("version " + v.version() + " is not above " + latest);
        }
        versions.get(d.id()).add(v);
        return transition(d, e);
    }

    @Override
    public synchronized long purge(DeploymentId id, Event e) {
        rows.remove(id);
        versions.remove(id);
        return append(e);
    }

    @Override
    public synchronized long append(Event e) {
        writes++;
        events.add(e.withSeq(events.size() + 1));
        return events.size();
    }

    @Override
    public synchronized Optional<Deployment> find(DeploymentId id) {
        return Optional.ofNullable(rows.get(id));
    }

    @Override
    public synchronized Optional<Deployment> findByName(String tenant, String name) {
        return rows.values().stream().filter(d -> d.tenant().equals(tenant) && d.name().equals(name)).findFirst();
    }

    @Override
    public synchronized List<Deployment> deployments() {
        return rows.values().stream().sorted(Comparator.comparing(Deployment::createdAt)).toList();
    }

    @Override
    public synchronized List<SpecVersion> versions(DeploymentId id) {
        if (failVersionReads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new dev.era.api.StoreException("versions unreadable on purpose", Map.of());
        }
        return List.copyOf(versions.getOrDefault(id, List.of()));
    }

    @Override
    public synchronized long lastSeq() {
        return events.size();
    }

    @Override
    public synchronized List<Event> events(long afterSeq, int limit) {
        return events.stream().filter(e -> e.seq() > afterSeq).limit(limit).toList();
    }

    @Override
    public synchronized void saveApiKey(ApiKey key) {
        keys.add(key);
    }

    @Override
    public synchronized Optional<ApiKey> apiKeyBySha256(String sha256) {
        return keys.stream().filter(k -> k.sha256().equals(sha256)).findFirst();
    }

    @Override
    public synchronized List<ApiKey> apiKeys() {
        return List.copyOf(keys);
    }

    @Override
    public synchronized void saveSandbox(SandboxRecord s) {
        boolean clash = !s.name().isEmpty() && sandboxes.values().stream().anyMatch(o -> !o.id().equals(s.id())
                && o.tenant().equals(s.tenant()) && o.name().equals(s.name()));
        if (clash) {
            throw new ConflictException("duplicate sandbox name " + s.name());
        }
        sandboxes.put(s.id(), s);
    }

    @Override
    public synchronized List<SandboxRecord> sandboxes() {
        return sandboxes.values().stream().sorted(Comparator.comparing(SandboxRecord::createdAt)).toList();
    }

    @Override
    public synchronized void deleteSandbox(String id) {
        sandboxes.remove(id);
    }

    @Override
    public synchronized void saveSnapshot(Snapshot s) {
        snapshots.put(s.id(), s);
    }

    @Override
    public synchronized List<Snapshot> snapshots() {
        return snapshots.values().stream().sorted(Comparator.comparing(Snapshot::createdAt)).toList();
    }

    @Override
    public synchronized void deleteSnapshot(String id) {
        snapshots.remove(id);
    }

    @Override
    public void close() {
    }
}
