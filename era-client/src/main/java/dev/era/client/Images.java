package dev.era.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.GcReport;
import dev.era.api.ImageInfo;
import dev.era.api.ImageRemoval;
import dev.era.api.PullProgress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The daemon's image cache ({@code /images}): list, pull with progress, remove, collect garbage.
 * Get one from {@link EraClient#images()}.
 */
public final class Images {
    private final EraClient client;
    private final Http1 http;

    Images(EraClient client, Http1 http) {
        this.client = client;
        this.http = http;
    }

    /** Every image pulled on the daemon's host; {@link ImageInfo#usedBy()} is filled for admin callers only. */
    public List<ImageInfo> list() {
        List<ImageInfo> out = new ArrayList<>();
        client.fetch("/images").path("images").forEach(i -> out.add(image(i)));
        return out;
    }

    /**
     * Pulls {@code reference} on the daemon and returns the image once it is unpacked there. Every
     * progress document is handed to {@code progress} as it arrives, on the calling thread.
     *
     * @throws EraClientException with the daemon's status and code: 400 for a malformed reference,
     *                            404 when the registry has no such image, 502 when the registry fails
     */
    public ImageInfo pull(String reference, Consumer<PullProgress> progress) {
        ObjectNode body = Wire.object().put("reference", reference);
        Http1.Stream stream = http.open("POST", "/images/pull", "application/x-ndjson", "application/json",
                body.toString().getBytes(StandardCharsets.UTF_8));
        try (var channel = stream.channel()) {
            if (stream.status() != 200) {
                throw client.failure(new Http1.Reply(stream.status(), stream.headers(), Http1.readAll(stream)));
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = EraClient.json(line);
                switch (n.path("type").asText()) {
                    case "resolved" -> {
                        List<PullProgress.LayerSize> layers = new ArrayList<>();
                        n.path("layers").forEach(l -> layers.add(new PullProgress.LayerSize(l.path("digest").asText(),
                                l.path("size").asLong())));
                        progress.accept(new PullProgress.Resolved(n.path("reference").asText(), n.path("digest").asText(), layers));
                    }
                    case "layer" -> progress.accept(new PullProgress.Layer(n.path("digest").asText(),
                            PullProgress.LayerState.valueOf(n.path("state").asText().toUpperCase(Locale.ROOT)),
                            n.path("done").asLong(), n.path("size").asLong()));
                    case "done" -> {
                        return image(n.path("image"));
                    }
                    case "error" -> throw new EraClientException(n.path("status").asInt(502), n.path("error").asText(),
                            n.path("message").asText(), null);
                    default -> { } // a newer daemon's document: skip it
                }
            }
        } catch (IOException e) {
            throw new EraClientException(0, "io_error", "the pull stream from " + client.target() + " broke: " + e.getMessage()
                    + "; pull again (the layers already fetched are kept)", null, e);
        }
        throw new EraClientException(0, "io_error", "the daemon at " + client.target() + " ended the pull of " + reference
                + " without saying how it went; pull again (the layers already fetched are kept)", null);
    }

    /**
     * Forgets {@code reference} (or, for an image digest, every reference to it) and collects the blobs no
     * longer used. Admin callers only.
     *
     * @param force remove it even when a deployment uses it (409 otherwise)
     */
    public ImageRemoval remove(String reference, boolean force) {
        JsonNode n = client.call("DELETE", "/images?reference=" + EraClient.query(reference) + (force ? "&force=true" : ""), null, null,
                java.time.Duration.ZERO);
        List<String> removed = new ArrayList<>();
        n.path("removed").forEach(r -> removed.add(r.asText()));
        return new ImageRemoval(removed, gc(n.path("gc")));
    }

    /** Deletes every blob and layer that no reference and no deployment uses. Admin callers only. */
    public GcReport collectGarbage() {
        return gc(client.call("POST", "/images/gc", null, new byte[0], java.time.Duration.ZERO));
    }

    private static GcReport gc(JsonNode n) {
        return new GcReport(n.path("blobs").asInt(), n.path("layers").asInt(), n.path("bytesFreed").asLong());
    }

    static ImageInfo image(JsonNode n) {
        List<String> refs = new ArrayList<>();
        n.path("references").forEach(r -> refs.add(r.asText()));
        List<String> users = new ArrayList<>();
        n.path("usedBy").forEach(u -> users.add(u.asText()));
        JsonNode last = n.path("lastUsed");
        return new ImageInfo(n.path("digest").asText(), refs, n.path("size").asLong(), n.path("layers").asInt(),
                Instant.parse(n.path("pulledAt").asText(Instant.EPOCH.toString())),
                last.isTextual() ? Optional.of(Instant.parse(last.asText())) : Optional.empty(), users);
    }
}
