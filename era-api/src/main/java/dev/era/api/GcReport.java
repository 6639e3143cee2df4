package dev.era.api;

/**
 * What a garbage collection of an {@link ImageCache} deleted.
 *
 * @param blobs      blobs (manifests, configs, layers) deleted
 * @param layers     unpacked layer directories deleted
 * @param bytesFreed disk space given back
 */
public record GcReport(int blobs, int layers, long bytesFreed) {}
