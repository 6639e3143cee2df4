package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.era.api.BadRequestException;
import dev.era.api.EraException;
import dev.era.api.ImageCache;
import dev.era.api.ImageInfo;
import dev.era.api.NotFoundException;
import dev.era.api.PullProgress;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /images}: the host's image cache (the oci engine's). Listing and pulling are open to every
 * caller; removing and collecting garbage change what every tenant shares, so they need an admin.
 * A pull answers with NDJSON, one progress document per line as the layers arrive; the response is
 * committed with the first one, so a bad reference or a missing tag still gets its 4xx.
 */
final class ImageEndpoints {
    static final String NDJSON = "application/x-ndjson";
    private static final List<String> BODY_TYPES = List.of("application/json");

    private final Optional<ImageCache> images;

    ImageEndpoints(Optional<ImageCache> images) {
        this.images = images;
    }

    void register(Router r) {
        r.add("GET", "/images", this::list);
        r.add("POST", "/images/pull", this::pull);
        // a query parameter, not a path segment: references hold '/', and Jetty refuses an encoded one in a path
        r.add("DELETE", "/images", this::remove, "reference", "force");
        r.add("POST", "/images/gc", this::gc);
    }

    private ImageCache images() {
        return images.orElseThrow(() -> new NotFoundException("this daemon has no engine that keeps images (the oci engine"
                + " is not loaded); install runc and start the daemon as root to use images"));
    }

    private void list(Exchange ex) {
        ex.json(200, ImageViews.list(images().images(), ex.caller().admin()));
    }

    private void pull(Exchange ex) throws IOException {
        ImageCache cache = images();
        String reference = reference(Json.parse(ex.body(BODY_TYPES)));
        Stream stream = new Stream(ex.response());
        ImageInfo image;
        try {
            image = cache.pull(reference, p -> stream.line(ImageViews.progress(p)));
        } catch (EraException e) {
            if (!stream.started()) {
                throw e; // nothing sent yet: the usual error answer, with its 4xx
            }
            ApiError error = ApiError.of(e, "POST", "/images/pull");
            ObjectNode o = Json.object();
            o.put("type", "error");
            o.put("status", error.status());
            o.put("error", error.code());
            o.put("message", error.message());
            stream.line(o);
            stream.finish(ex);
            return;
        }
        ObjectNode done = Json.object();
        done.put("type", "done");
        done.set("image", ImageViews.image(image, ex.caller().admin()));
        stream.line(done);
        stream.finish(ex);
    }

    private void remove(Exchange ex) {
        requireAdmin(ex, "removing images");
        ex.json(200, ImageViews.removal(images().remove(ex.query().required("reference"), ex.query().flag("force"))));
    }

    private void gc(Exchange ex) {
        requireAdmin(ex, "collecting image garbage");
        ex.json(200, ImageViews.gc(images().collectGarbage()));
    }

    private static void requireAdmin(Exchange ex, String what) {
        if (!ex.caller().admin()) {
            throw new HttpError(403, "forbidden", what + " changes what every tenant shares and needs an admin caller: use"
                    + " the daemon's Unix socket on its host, or an API key of tenant 'default'",
                    Map.of("tenant", ex.caller().tenant()), Map.of());
        }
    }

    private static String reference(JsonNode body) {
        if (!body.isObject()) {
            throw new BadRequestException("the body must be a JSON object such as {\"reference\": \"127.0.0.1:5000/tools/busybox:1\"}");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("reference")) {
                throw new BadRequestException("unknown field '" + Query.clip(f) + "'; a pull takes only reference",
                        Map.of("field", Query.clip(f)));
            }
        }
        JsonNode ref = body.get("reference");
        if (ref == null || !ref.isTextual() || ref.asText().isBlank()) {
            throw new BadRequestException("field reference is required: the image to pull, such as"
                    + " \"127.0.0.1:5000/tools/busybox:1\" or \"busybox@sha256:...\"", Map.of("field", "reference"));
        }
        return ref.asText();
    }

    /**
     * The NDJSON body, committed by its first line. A client that leaves does not stop the pull: the
     * layers still land in the cache (the next pull finds them), only the progress has no reader.
     */
    private static final class Stream {
        private final Response response;
        private boolean started;
        private boolean gone;

        Stream(Response response) {
            this.response = response;
        }

        synchronized boolean started() {
            return started;
        }

        synchronized void line(JsonNode node) {
            if (gone) {
                return;
            }
            if (!started) {
                started = true;
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, NDJSON);
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
                response.getHeaders().put("X-Accel-Buffering", "no");
            }
            byte[] bytes = (node.toString() + "\n").getBytes(StandardCharsets.UTF_8);
            try (Blocker.Callback done = Blocker.callback()) {
                response.write(false, ByteBuffer.wrap(bytes), done);
                done.block();
            } catch (IOException e) {
                gone = true;
            }
        }

        void finish(Exchange ex) {
            ex.response().write(true, null, ex.callback());
        }
    }
}
