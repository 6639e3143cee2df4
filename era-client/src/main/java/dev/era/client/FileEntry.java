package dev.era.client;

import java.time.Instant;

/**
 * One entry of a sandbox directory.
 *
 * @param path the path inside the sandbox
 * @param mode the permission bits in octal, such as {@code 0644}
 */
public record FileEntry(String path, String name, boolean directory, long size, String mode, Instant modifiedAt) {}
