package dev.era.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.GcReport;
import dev.era.api.ImageInfo;
import dev.era.api.ImageRemoval;
import dev.era.api.PullProgress;

import java.util.List;
import java.util.Locale;

/** The JSON shapes of {@code /images}, as openapi.json documents them. */
final class ImageViews {
    private ImageViews() {
    }

    /** @param admin whether the caller may see which deployments (of every tenant) use each image */
    static ObjectNode image(ImageInfo i, boolean admin) {
        ObjectNode o = Json.object();
        o.put("digest", i.digest());
        ArrayNode refs = o.putArray("references");
        i.references().forEach(refs::add);
        o.put("size", i.sizeBytes());
        o.put("layers", i.layers());
        o.put("pulledAt", i.pulledAt().toString());
        if (i.lastUsed().isPresent()) {
            o.put("lastUsed", i.lastUsed().get().toString());
        } else {
            o.putNull("lastUsed");
        }
        if (admin) {
            ArrayNode users = o.putArray("usedBy");
            i.usedBy().forEach(users::add);
        }
        return o;
    }

    static ObjectNode list(List<ImageInfo> images, boolean admin) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("images");
        images.forEach(i -> a.add(image(i, admin)));
        return o;
    }

    static ObjectNode progress(PullProgress p) {
        ObjectNode o = Json.object();
        switch (p) {
            case PullProgress.Resolved r -> {
                o.put("type", "resolved");
                o.put("reference", r.reference());
                o.put("digest", r.digest());
                ArrayNode layers = o.putArray("layers");
                r.layers().forEach(l -> layers.addObject().put("digest", l.digest()).put("size", l.sizeBytes()));
            }
            case PullProgress.Layer l -> {
                o.put("type", "layer");
                o.put("digest", l.digest());
                o.put("state", l.state().name().toLowerCase(Locale.ROOT));
                o.put("done", l.doneBytes());
                o.put("size", l.sizeBytes());
            }
        }
        return o;
    }

    static ObjectNode gc(GcReport g) {
        ObjectNode o = Json.object();
        o.put("blobs", g.blobs());
        o.put("layers", g.layers());
        o.put("bytesFreed", g.bytesFreed());
        return o;
    }

    static ObjectNode removal(ImageRemoval r) {
        ObjectNode o = Json.object();
        ArrayNode refs = o.putArray("removed");
        r.references().forEach(refs::add);
        o.set("gc", gc(r.gc()));
        return o;
    }
}
