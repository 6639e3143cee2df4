package dev.era.core.spi;

import dev.era.api.DeploymentId;
import dev.era.core.ApiKey;
import dev.era.core.Deployment;
import dev.era.core.Event;
import dev.era.core.SandboxRecord;
import dev.era.core.Snapshot;
import dev.era.core.SpecVersion;

import java.util.List;
import java.util.Optional;

/**
 * Durable state of the daemon. Every method is atomic; a method that writes several things
 * (a deployment, its version and its event) writes all or none. Implementations: SQLite (embedded
 * default) and PostgreSQL. One conformance suite in era-testing runs against each.
 */
public interface StateStore extends AutoCloseable {
    /**
     * Inserts a new deployment with its first version and event.
     *
     * @return the event's sequence number
     * @throws dev.era.api.ConflictException when the tenant already has a deployment of that name
     */
    long create(Deployment deployment, Event event);

    /** Replaces the deployment's row and appends the event, atomically. Returns the event's sequence number. */
    long transition(Deployment deployment, Event event);

    /** Adds a version of the deployment's spec (numbers must grow) and updates the row, atomically. */
    long addVersion(Deployment deployment, SpecVersion version, Event event);

    /** Removes the deployment and its versions and appends the event. Events stay. */
    long purge(DeploymentId id, Event event);

    /** Appends a daemon-wide or informational event. */
    long append(Event event);

    Optional<Deployment> find(DeploymentId id);

    Optional<Deployment> findByName(String tenant, String name);

    /** Every deployment of every tenant, ordered by creation. */
    List<Deployment> deployments();

    List<SpecVersion> versions(DeploymentId id);

    /** Events with {@code seq > afterSeq}, oldest first, at most {@code limit}. */
    List<Event> events(long afterSeq, int limit);

    /** The seq of the newest event, 0 when the log is empty; cheap, so that a follower can start from "now". */
    long lastSeq();

    void saveApiKey(ApiKey key);

    Optional<ApiKey> apiKeyBySha256(String sha256);

    List<ApiKey> apiKeys();

    /**
     * Inserts the sandbox, or replaces the row with its id.
     *
     * @throws dev.era.api.ConflictException when another sandbox of the tenant has the same non-empty name
     */
    void saveSandbox(SandboxRecord sandbox);

    /** Every sandbox of every tenant (warm pool included), ordered by creation. */
    List<SandboxRecord> sandboxes();

    /** Removes the sandbox's row; an unknown id is not an error (a delete repeated after a crash). */
    void deleteSandbox(String id);

    /** Inserts the snapshot, or replaces the row with its id (its status changes as it is written). */
    void saveSnapshot(Snapshot snapshot);

    /** Every snapshot of every tenant, ordered by creation. */
    List<Snapshot> snapshots();

    /** Removes the snapshot's row; an unknown id is not an error. */
    void deleteSnapshot(String id);

    @Override
    void close();
}
