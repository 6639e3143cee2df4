package dev.era.core;

import dev.era.api.Capability;

import java.util.Set;

/** An engine as {@code /plugins} lists it. */
public record PluginInfo(String name, Set<Capability> capabilities) {}
