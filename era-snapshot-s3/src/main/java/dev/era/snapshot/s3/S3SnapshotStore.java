package dev.era.snapshot.s3;

import dev.era.api.NotFoundException;
import dev.era.api.StoreException;
import dev.era.core.spi.SnapshotStore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Snapshots in an S3-compatible object store, one object per archive, signed with SigV4 over
 * {@link HttpClient}: no SDK, because three calls (PUT, GET, DELETE) do not justify one.
 * Objects are sent in one PUT, so an archive may be at most 5 GiB (S3's single-PUT limit).
 *
 * <p>Errors say what the store answered (its error code and message) and what to check.
 */
public final class S3SnapshotStore implements SnapshotStore {
    private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
    private final S3Config config;
    private final Clock clock;
    private final HttpClient http;

    public S3SnapshotStore(S3Config config, Clock clock) {
        this.config = config;
        this.clock = clock;
        // HTTP/1.1: stores behind plain http do not speak h2c, and one archive per connection is the load
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.timeout()).build();
    }

    /** Creates the bucket if the store does not have it (for set-up and tests; needs the right to). */
    public void createBucketIfMissing() {
        HttpResponse<String> r = send(request("PUT", "").PUT(HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.ofString(), "create bucket " + config.bucket());
        if (r.statusCode() / 100 != 2 && !r.body().contains("BucketAlreadyOwnedByYou")) {
            throw failure("create bucket " + config.bucket(), r.statusCode(), r.body());
        }
    }

    @Override
    public String put(String key, InputStream data, long size) {
        return put(key, size == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> data), size));
    }

    private String put(String key, HttpRequest.BodyPublisher body) {
        HttpResponse<String> r = send(request("PUT", key).PUT(body).header("content-type", "application/x-tar"),
                HttpResponse.BodyHandlers.ofString(), "put " + key);
        if (r.statusCode() / 100 != 2) {
            throw failure("put " + key, r.statusCode(), r.body());
        }
        return "s3://" + config.bucket() + "/" + config.prefix() + key;
    }

    /** Sends the file as it is on disk (no stream copy in between). */
    @Override
    public String putFile(String key, java.nio.file.Path file) {
        HttpRequest.BodyPublisher body;
        try {
            body = java.nio.file.Files.size(file) == 0 ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofFile(file);
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + " to put it as " + key + ": " + e.getMessage());
        }
        return put(key, body);
    }

    @Override
    public InputStream get(String key) {
        HttpResponse<InputStream> r = send(request("GET", key).GET(), HttpResponse.BodyHandlers.ofInputStream(), "get " + key);
        if (r.statusCode() == 200) {
            return r.body();
        }
        String body;
        try (InputStream in = r.body()) {
            body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            body = "";
        }
        if (r.statusCode() == 404) {
            throw new NotFoundException("snapshot archive " + key + " is not in bucket " + config.bucket()
                    + "; it may have been removed from the store", Map.of("key", key));
        }
        throw failure("get " + key, r.statusCode(), body);
    }

    @Override
    public void delete(String key) {
        HttpResponse<String> r = send(request("DELETE", key).DELETE(), HttpResponse.BodyHandlers.ofString(), "delete " + key);
        if (r.statusCode() / 100 != 2 && r.statusCode() != 404) {
            throw failure("delete " + key, r.statusCode(), r.body());
        }
    }

    private HttpRequest.Builder request(String method, String key) {
        String path = SigV4.encodePath("/" + config.bucket() + (key.isEmpty() ? "" : "/" + config.prefix() + key));
        URI endpoint = config.endpoint();
        String base = endpoint.getScheme() + "://" + endpoint.getRawAuthority();
        String host = endpoint.getPort() == -1 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(config.timeout());
        SigV4.sign(method, host, path, "", config, clock.instant()).forEach(b::header);
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler, String what) {
        try {
            return http.send(request.build(), handler);
        } catch (IOException e) {
            throw new StoreException("cannot " + what + " at S3 endpoint " + config.endpoint() + ": " + e
                    + "; check that the store is reachable", Map.of("endpoint", config.endpoint().toString()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted during " + what + " at " + config.endpoint());
        }
    }

    private StoreException failure(String what, int status, String body) {
        String code = first(CODE, body);
        String message = first(MESSAGE, body);
        String hint = switch (code) {
            case "SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied" ->
                    "; check the access key, secret key and region of the S3 configuration";
            case "NoSuchBucket" -> "; create bucket " + config.bucket() + " or fix the bucket name";
            default -> "";
        };
        return new StoreException("S3 store " + config.endpoint() + " refused to " + what + ": HTTP " + status
                + (code.isEmpty() ? "" : " " + code) + (message.isEmpty() ? "" : " (" + message + ")") + hint,
                Map.of("status", status, "code", code, "bucket", config.bucket()));
    }

    private static String first(Pattern p, String body) {
        Matcher m = p.matcher(body);
        return m.find() ? m.group(1) : "";
    }

    @Override
    public String toString() {
        return "S3SnapshotStore[" + config + "]";
    }
}
