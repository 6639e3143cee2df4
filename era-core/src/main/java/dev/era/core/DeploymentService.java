package dev.era.core;

import dev.era.api.AppSpec;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the API layer asks of the core about deployments. A {@code ref} is a deployment id or its
 * name; a deployment of another tenant is reported as not found.
 */
public interface DeploymentService {
    List<PluginInfo> plugins();

    /**
     * Validates the spec (the engine's checks included), stores version 1 and starts the lifecycle
     * in the background. Bad specs, unknown engines and duplicate names throw before anything is stored.
     */
    Deployment deploy(Caller caller, AppSpec spec);

    /** Waits until the deployment settles (RUNNING, STOPPED, FAILED or deleted) or the timeout passes. */
    Deployment await(Caller caller, String ref, Duration timeout);

    List<Deployment> list(Caller caller);

    Deployment get(Caller caller, String ref);

    DeploymentStatus status(Caller caller, String ref, int logLines);

    Deployment stop(Caller caller, String ref);

    Deployment start(Caller caller, String ref);

    /**
     * Stores {@code spec} as the deployment's next version and moves to it: a running deployment
     * through its update strategy (blue-green or recreate, rolled back automatically when the new
     * version fails its health checks within healthyDeadline), a stopped or failed one at its next
     * start. A spec equal to the current one changes nothing. Returns once the update is under way.
     */
    Deployment update(Caller caller, String ref, AppSpec spec);

    /** Moves to an older stored version the way an update does; {@code version} 0 means the one before the current. */
    Deployment rollback(Caller caller, String ref, int version);

    /** Every stored version of the deployment's spec, oldest first. */
    List<SpecVersion> versions(Caller caller, String ref);

    /** Stops the work and removes the deployment, its files and its logs; events are kept. */
    Deployment delete(Caller caller, String ref);

    /** Events after {@code afterSeq} that the caller may see, oldest first. */
    List<Event> events(Caller caller, long afterSeq, int limit);

    /**
     * The seq of the newest event in the log, whoever it belongs to (seqs are shared by all tenants):
     * following from it shows only what happens next, without reading the history.
     */
    long lastEventSeq();

    /** Delivers events after {@code afterSeq}, first those stored, then new ones as they commit. */
    Subscription followEvents(Caller caller, long afterSeq, Consumer<Event> sink);

    /** The last {@code lines} lines of the app's output. */
    List<String> logs(Caller caller, String ref, int lines);

    /** Delivers the last {@code lines} lines, then every new line as the app writes it. */
    Subscription followLogs(Caller caller, String ref, int lines, Consumer<String> sink);
}
