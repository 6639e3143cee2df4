package dev.era.api;

import java.util.List;

/**
 * What {@link ImageCache#remove} did.
 *
 * @param references the references it forgot
 * @param gc         the garbage collection that followed
 */
public record ImageRemoval(List<String> references, GcReport gc) {
    public ImageRemoval {
        references = List.copyOf(references);
    }
}
