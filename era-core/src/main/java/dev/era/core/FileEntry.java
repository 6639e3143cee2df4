package dev.era.core;

import java.time.Instant;

/** One entry of a sandbox directory listing; {@code path} is the path inside the sandbox. */
public record FileEntry(String path, String name, boolean directory, long size, int mode, Instant modifiedAt) {}
