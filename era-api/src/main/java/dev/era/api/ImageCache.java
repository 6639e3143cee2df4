package dev.era.api;

import java.util.List;
import java.util.function.Consumer;

/**
 * Engines that keep container images on this host (the oci engine): list them, pull one with
 * progress, remove a reference, and collect the blobs nothing references any more. Found with
 * {@code instanceof}, like {@link Exec}.
 */
public interface ImageCache {
    /** Every image pulled here, one entry per image (manifest digest) with all its references. */
    List<ImageInfo> images();

    /**
     * Pulls {@code reference} (such as {@code 127.0.0.1:5000/tools/busybox:1}), verifying every
     * byte, and reports each step to {@code progress} on the pulling thread.
     *
     * @throws InvalidSpecException when {@code reference} is not an image reference
     * @throws NotFoundException    when the registry has no such repository, tag or digest
     * @throws EngineException      when the registry cannot be reached, refuses access, or sends altered content
     */
    ImageInfo pull(String reference, Consumer<PullProgress> progress);

    /**
     * Forgets {@code reference} (a reference as listed, or an image digest to forget every reference
     * of that image), then collects garbage.
     *
     * @param force remove it even when a deployment's container uses it (its blobs stay while they are used)
     * @throws NotFoundException  when no pulled image has that reference
     * @throws ConflictException  when a deployment uses the image and {@code force} is false
     */
    ImageRemoval remove(String reference, boolean force);

    /** Deletes every blob and unpacked layer that no reference and no deployment uses. */
    GcReport collectGarbage();
}
