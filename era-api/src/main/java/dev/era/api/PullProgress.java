package dev.era.api;

import java.util.List;

/** What an {@link ImageCache#pull} reports as it goes: the image it resolved, then each layer's bytes. */
public sealed interface PullProgress {
    /**
     * The reference resolved to a platform manifest; its layers come next.
     *
     * @param layers the layer digests with their sizes, bottom first
     */
    record Resolved(String reference, String digest, List<LayerSize> layers) implements PullProgress {
        public Resolved {
            layers = List.copyOf(layers);
        }
    }

    /** A layer as the manifest lists it. */
    record LayerSize(String digest, long sizeBytes) {}

    /**
     * One layer's progress.
     *
     * @param doneBytes bytes downloaded so far (all of them once {@link LayerState#DOWNLOADED})
     * @param sizeBytes the layer's size as the manifest gives it
     */
    record Layer(String digest, LayerState state, long doneBytes, long sizeBytes) implements PullProgress {}

    /** Where a layer is: already here, arriving, verified, unpacked. */
    enum LayerState { CACHED, DOWNLOADING, DOWNLOADED, UNPACKED }
}
