package dev.era.core;

import dev.era.api.AppSpec;
import dev.era.api.DeploymentId;

import java.time.Instant;

/** One version of a deployment's spec; every change of the spec makes a new one. */
public record SpecVersion(DeploymentId deployment, int version, AppSpec spec, Instant createdAt) {}
