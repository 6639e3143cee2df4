package dev.era.api;

/** A named, persistent directory of the deployment, mounted (or exposed) at {@code mountPath}. */
public record Volume(String name, String mountPath, boolean readOnly) {}
