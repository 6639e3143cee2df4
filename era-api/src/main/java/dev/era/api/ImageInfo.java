package dev.era.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One image in an {@link ImageCache}.
 *
 * @param digest     the platform manifest's digest, the image's identity
 * @param references every reference that resolves to it here, such as {@code 127.0.0.1:5000/tools/busybox:1}
 * @param sizeBytes  its manifest, config and (compressed) layer blobs, as the registry sent them
 * @param layers     how many layers it has
 * @param pulledAt   when a reference to it was last pulled
 * @param lastUsed   when a container last started on it; empty when none has
 * @param usedBy     the deployments whose installed versions run on it
 */
public record ImageInfo(String digest, List<String> references, long sizeBytes, int layers, Instant pulledAt,
                        Optional<Instant> lastUsed, List<String> usedBy) {
    public ImageInfo {
        references = List.copyOf(references);
        usedBy = List.copyOf(usedBy);
    }
}
