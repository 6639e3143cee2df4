package dev.era.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.era.api.BadRequestException;
import dev.era.api.PayloadTooLargeException;
import dev.era.core.Caller;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One request being answered: the parsed parts a route needs, and the ways to answer it exactly once. */
final class Exchange {
    static final int MAX_BODY_BYTES = 1 << 20;

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final Caller caller;
    private final Map<String, String> params;
    private final Query query;

    Exchange(Request request, Response response, Callback callback, Caller caller, Map<String, String> params,
             Query query) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.caller = caller;
        this.params = Map.copyOf(params);
        this.query = query;
    }

    Caller caller() {
        return caller;
    }

    String param(String name) {
        return params.get(name);
    }

    Query query() {
        return query;
    }

    String header(String name) {
        return request.getHeaders().get(name);
    }

    Request request() {
        return request;
    }

    Response response() {
        return response;
    }

    Callback callback() {
        return callback;
    }

    /**
     * The body as UTF-8 text. At most {@link #MAX_BODY_BYTES}; without a Content-Type it is read as
     * the route's first accepted type.
     */
    String body(List<String> acceptedTypes) {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (type != null) {
            checkType(type, acceptedTypes);
        }
        byte[] bytes = rawBody();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequestException("the request body is not valid UTF-8; send the spec as UTF-8 text");
        }
    }

    /** The body as bytes, whatever its type, at most {@link #MAX_BODY_BYTES}. */
    byte[] rawBody() {
        long declared = request.getLength();
        if (declared > MAX_BODY_BYTES) {
            throw tooLarge(declared);
        }
        byte[] bytes;
        try (InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            throw new BadRequestException("the request body could not be read: " + e.getMessage());
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw tooLarge(-1);
        }
        return bytes;
    }

    private static void checkType(String header, List<String> accepted) {
        String[] parts = header.split(";", -1);
        String mime = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!accepted.contains(mime)) {
            throw HttpError.unsupportedMediaType(Query.clip(header), accepted);
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim().toLowerCase(Locale.ROOT);
            if (p.startsWith("charset=")) {
                String cs = p.substring("charset=".length()).replace("\"", "");
                if (!cs.equals("utf-8") && !cs.equals("utf8") && !cs.equals("us-ascii")) {
                    throw HttpError.unsupportedMediaType(Query.clip(header), accepted);
                }
            }
        }
    }

    private static PayloadTooLargeException tooLarge(long declared) {
        String size = declared > 0 ? declared + " bytes" : "more than " + MAX_BODY_BYTES + " bytes";
        return new PayloadTooLargeException("the request body is " + size + "; the limit is " + MAX_BODY_BYTES
                + " bytes (1 MiB)", Map.of("limit", MAX_BODY_BYTES));
    }

    void json(int status, JsonNode body) {
        bytes(status, "application/json", Json.bytes(body));
    }

    void text(int status, String body) {
        bytes(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    void bytes(int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    void noContent() {
        response.setStatus(204);
        response.write(true, null, callback);
    }

    void header(String name, String value) {
        response.getHeaders().put(name, value);
    }
}
