package dev.era.http;

import dev.era.api.AppSpec;
import dev.era.api.NotFoundException;
import dev.era.core.Deployment;
import dev.era.core.DeploymentService;
import dev.era.core.LifecycleState;
import dev.era.core.SpecCodec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code /deployments} and its sub-resources. */
final class DeploymentEndpoints {
    /** Longest {@code ?wait=} a request may hold a connection for. */
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    static final List<String> SPEC_TYPES = List.of("application/yaml", "application/x-yaml", "text/yaml",
            "text/x-yaml", "application/json", "text/plain");
    private static final int MAX_STATUS_LINES = 1000;

    private final DeploymentService deployments;

    DeploymentEndpoints(DeploymentService deployments) {
        this.deployments = deployments;
    }

    void register(Router r) {
        r.add("POST", "/deployments", this::deploy, "wait");
        r.add("GET", "/deployments", this::list);
        r.add("GET", "/deployments/{ref}", this::get);
        r.add("DELETE", "/deployments/{ref}", this::delete, "wait");
        r.add("GET", "/deployments/{ref}/status", this::status, "lines");
        r.add("POST", "/deployments/{ref}/stop", this::stop, "wait");
        r.add("POST", "/deployments/{ref}/start", this::start, "wait");
        r.add("PUT", "/deployments/{ref}", this::update, "wait");
        r.add("GET", "/deployments/{ref}/versions", this::versions);
        r.add("POST", "/deployments/{ref}/rollback", this::rollback, "to", "wait");
    }

    /** A new version of the spec; with {@code ?wait=} the answer comes once the update cut over or rolled back. */
    private void update(Exchange ex) {
        Optional<Duration> wait = ex.query().duration("wait", MAX_WAIT);
        AppSpec spec = SpecCodec.parse(ex.body(SPEC_TYPES));
        Deployment d = deployments.update(ex.caller(), ex.param("ref"), spec);
        ex.json(200, Views.deployment(settle(ex, d, wait)));
    }

    private void versions(Exchange ex) {
        Deployment d = deployments.get(ex.caller(), ex.param("ref"));
        ex.json(200, Views.versions(d, deployments.versions(ex.caller(), d.id().value())));
    }

    /** {@code ?to=N} names the version; without it, the one before the current. */
    private void rollback(Exchange ex) {
        Optional<Duration> wait = ex.query().duration("wait", MAX_WAIT);
        int to = ex.query().intValue("to", 0, 1, Integer.MAX_VALUE);
        Deployment d = deployments.rollback(ex.caller(), ex.param("ref"), to);
        ex.json(200, Views.deployment(settle(ex, d, wait)));
    }

    private void deploy(Exchange ex) {
        Optional<Duration> wait = ex.query().duration("wait", MAX_WAIT);
        AppSpec spec = SpecCodec.parse(ex.body(SPEC_TYPES));
        Deployment d = deployments.deploy(ex.caller(), spec);
        if (wait.isPresent()) {
            d = deployments.await(ex.caller(), d.id().value(), wait.get());
        }
        ex.header("Location", "/deployments/" + d.id().value());
        ex.json(201, Views.deployment(d));
    }

    private void list(Exchange ex) {
        ex.json(200, Views.deployments(deployments.list(ex.caller())));
    }

    private void get(Exchange ex) {
        ex.json(200, Views.deployment(deployments.get(ex.caller(), ex.param("ref"))));
    }

    /**
     * The core answers once the removal is under way (UNINSTALLING); with {@code ?wait=} the answer
     * comes once the work is stopped and the files are gone (DELETED).
     */
    private void delete(Exchange ex) {
        Optional<Duration> wait = ex.query().duration("wait", MAX_WAIT);
        Deployment d = deployments.delete(ex.caller(), ex.param("ref"));
        if (wait.isPresent()) {
            try {
                d = deployments.await(ex.caller(), d.id().value(), wait.get());
            } catch (NotFoundException gone) {
                // removed before the wait began
                d = d.withState(LifecycleState.DELETED, "", d.updatedAt());
            }
        }
        ex.json(200, Views.deployment(d));
    }

    private void status(Exchange ex) {
        int lines = ex.query().intValue("lines", 20, 0, MAX_STATUS_LINES);
        ex.json(200, Views.status(deployments.status(ex.caller(), ex.param("ref"), lines)));
    }

    private void stop(Exchange ex) {
        Optional<Duration> wait = ex.query().duration("wait", MAX_WAIT);
        Deployment d = deployments.stop(ex.caller(), ex.param("ref"));
        ex.json(200, Views.deployment(settle(ex, d, wait)));
    }

    private void start(Exchange ex) {
        Optional<Duration> wait = ex.query().duration("wait", MAX_WAIT);
        Deployment d = deployments.start(ex.caller(), ex.param("ref"));
        ex.json(200, Views.deployment(settle(ex, d, wait)));
    }

    private Deployment settle(Exchange ex, Deployment d, Optional<Duration> wait) {
        return wait.isPresent() ? deployments.await(ex.caller(), d.id().value(), wait.get()) : d;
    }
}
