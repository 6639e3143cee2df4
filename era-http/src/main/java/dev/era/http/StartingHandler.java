package dev.era.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Stands where the API will be while the daemon starts: a request that comes before
 * {@link #open(Handler)} (only on TCP: the Unix socket is published later) gets a 503 with
 * {@code Retry-After}, in the API's error shape; afterwards every request goes to the API.
 */
final class StartingHandler extends Handler.Abstract {
    private static final byte[] STARTING = Json.bytes(Views.error(new ApiError(503, "starting",
            "ERA is starting (recovering deployments and sandboxes); retry in a moment", Map.of(), Map.of())));

    private volatile Handler api;

    void open(Handler handler) {
        api = handler;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Handler open = api;
        if (open != null) {
            return open.handle(request, response, callback);
        }
        response.setStatus(503);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(STARTING), callback);
        return true;
    }
}
