package dev.era.engine.oci;

import dev.era.api.EngineException;
import dev.era.api.NotFoundException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * A client of the OCI distribution API: manifests and blobs, verified against their sha256
 * digests before anything else reads them. Blob downloads resume from a partial file with a
 * {@code Range} request. Pushes exist for tests and tools that build images.
 */
final class RegistryClient {
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    private static final String ACCEPT = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);
    private static final int MAX_MANIFEST = 4 << 20;

    /** A manifest as the registry sent it, its digest checked. */
    record Fetched(byte[] body, String mediaType, String digest) {}

    private final HttpClient http;
    private final RegistryAuth auth;
    private final Function<ImageRef, String> scheme;

    RegistryClient(Map<String, RegistryAuth.Credentials> credentials) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build(),
                credentials);
    }

    private RegistryClient(HttpClient http, Map<String, RegistryAuth.Credentials> credentials) {
        this.http = http;
        this.auth = new RegistryAuth(http, credentials);
        this.scheme = ref -> ref.loopback() ? "http" : "https";
    }

    /** The manifest (or index) {@code reference} (a tag or a digest) names in {@code ref}'s repository. */
    Fetched manifest(ImageRef ref, String reference) {
        HttpResponse<InputStream> response = send(ref, "pull", HttpRequest.newBuilder(url(ref, "manifests/" + reference))
                .header("Accept", ACCEPT).GET(), HttpResponse.BodyHandlers.ofInputStream());
        byte[] body;
        try (InputStream in = response.body()) {
            if (response.statusCode() == 404) {
                throw new NotFoundException("image " + ref + ": registry " + ref.registry() + " has no manifest '" + reference
                        + "'; check the repository and tag", Map.of("image", ref.toString()));
            }
            expect(ref, response, 200, "manifest " + reference);
            body = in.readNBytes(MAX_MANIFEST + 1);
        } catch (IOException e) {
            throw unreachable(ref, "manifest " + reference, e);
        }
        if (body.length > MAX_MANIFEST) {
            throw new EngineException("image " + ref + ": manifest " + reference + " is larger than " + MAX_MANIFEST
                    + " bytes; refusing it", Map.of("image", ref.toString()));
        }
        String actual = Digest.of(body);
        String expected = Digest.isValid(reference) ? reference
                : response.headers().firstValue("Docker-Content-Digest").orElse(actual);
        if (!actual.equals(expected)) {
            throw new EngineException("image " + ref + ": manifest " + reference + " should have digest " + expected
                    + " but its content hashes to " + actual + "; the registry or the network altered it, refusing it",
                    Map.of("image", ref.toString(), "digest", expected, "actual", actual));
        }
        String mediaType = response.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
        return new Fetched(body, mediaType, actual);
    }

    /**
     * Downloads blob {@code digest} to {@code target}, resuming from {@code target + ".partial"} when an
     * earlier download was cut short. The file reaches {@code target} only once its size and sha256 match.
     */
    void blob(ImageRef ref, String digest, long size, Path target) {
        blob(ref, digest, size, target, done -> { });
    }

    /** As {@link #blob(ImageRef, String, long, Path)}, telling {@code progress} the bytes it has so far as they arrive. */
    void blob(ImageRef ref, String digest, long size, Path target, LongConsumer progress) {
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        MessageDigest md = Digest.sha256();
        long have = 0;
        try {
            if (Files.exists(partial)) {
                try (InputStream in = Files.newInputStream(partial)) {
                    byte[] buffer = new byte[1 << 16];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        md.update(buffer, 0, n);
                        have += n;
                    }
                }
            }
            if (have > 0 && (size <= 0 || have < size)) {
                HttpResponse<InputStream> response = send(ref, "pull", HttpRequest.newBuilder(url(ref, "blobs/" + digest))
                        .header("Range", "bytes=" + have + "-").GET(), HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() == 206) {
                    have += copy(response, partial, true, md, have, progress);
                } else {
                    response.body().close();
                    md.reset();
                    have = 0; // the registry ignored the range: start again
                }
            }
            if (have == 0 || (size > 0 && have > size)) {
                md.reset();
                HttpResponse<InputStream> response = send(ref, "pull", HttpRequest.newBuilder(url(ref, "blobs/" + digest)).GET(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() == 404) {
                    response.body().close();
                    throw new EngineException("image " + ref + ": the registry has no blob " + digest + "; the image is "
                            + "incomplete there, push it again", Map.of("image", ref.toString(), "digest", digest));
                }
                expect(ref, response, 200, "blob " + digest);
                have = copy(response, partial, false, md, 0, progress);
            }
            String actual = Digest.of(md);
            if (!actual.equals(digest) || (size > 0 && have != size)) {
                Files.deleteIfExists(partial);
                throw new EngineException("image " + ref + ": blob " + digest + " arrived with " + have + " bytes hashing to "
                        + actual + (size > 0 ? " (expected " + size + " bytes)" : "") + "; the registry or the network altered "
                        + "it, refusing it", Map.of("image", ref.toString(), "digest", digest, "actual", actual));
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw unreachable(ref, "blob " + digest, e);
        }
    }

    /** Uploads {@code data} as a blob in one request (POST, then PUT with the digest). */
    void pushBlob(ImageRef ref, byte[] data) {
        String digest = Digest.of(data);
        HttpResponse<Void> head = send(ref, "pull,push", HttpRequest.newBuilder(url(ref, "blobs/" + digest))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.discarding());
        if (head.statusCode() == 200) {
            return;
        }
        HttpResponse<Void> start = send(ref, "pull,push", HttpRequest.newBuilder(url(ref, "blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.discarding());
        expect(ref, start, 202, "blob upload");
        URI location = url(ref, "").resolve(start.headers().firstValue("Location").orElseThrow(() ->
                new EngineException("registry " + ref.registry() + " started an upload without a Location")));
        String sep = location.getRawQuery() == null ? "?" : "&";
        HttpResponse<Void> put = send(ref, "pull,push", HttpRequest.newBuilder(URI.create(location + sep + "digest=" + digest))
                .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(data)),
                HttpResponse.BodyHandlers.discarding());
        expect(ref, put, 201, "blob " + digest);
    }

    void pushManifest(ImageRef ref, String reference, String mediaType, byte[] body) {
        HttpResponse<String> put = send(ref, "pull,push", HttpRequest.newBuilder(url(ref, "manifests/" + reference))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(body)),
                HttpResponse.BodyHandlers.ofString());
        expect(ref, put, 201, "manifest " + reference + (put.statusCode() == 201 ? "" : " (" + put.body() + ")"));
    }

    private static long copy(HttpResponse<InputStream> response, Path to, boolean append, MessageDigest md, long before,
                             LongConsumer progress) throws IOException {
        long n = 0;
        try (InputStream in = response.body();
             OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[1 << 16];
            for (int r; (r = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, r);
                md.update(buffer, 0, r);
                n += r;
                progress.accept(before + n);
            }
        }
        return n;
    }

    private URI url(ImageRef ref, String path) {
        return URI.create(scheme.apply(ref) + "://" + ref.registry() + "/v2/" + ref.repository() + "/" + path);
    }

    /** Sends with the cached credentials; on a 401 answers the challenge and sends once more. */
    private <T> HttpResponse<T> send(ImageRef ref, String actions, HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        String scope = "repository:" + ref.repository() + ":" + actions;
        auth.cached(ref.registry(), scope).ifPresent(h -> request.setHeader("Authorization", h));
        HttpResponse<T> response = exchange(ref, request.build(), body);
        if (response.statusCode() != 401) {
            return response;
        }
        discard(response);
        auth.forget(ref.registry(), scope);
        String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow(() -> new EngineException(
                "registry " + ref.registry() + " answered 401 without a WWW-Authenticate challenge", Map.of("image", ref.toString())));
        request.setHeader("Authorization", auth.answer(ref.registry(), scope, challenge));
        response = exchange(ref, request.build(), body);
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            discard(response);
            auth.forget(ref.registry(), scope);
            throw new EngineException("image " + ref + ": registry " + ref.registry() + " refused access (HTTP "
                    + response.statusCode() + ") after authentication; check the credentials and their rights on "
                    + ref.repository(), Map.of("image", ref.toString(), "status", response.statusCode()));
        }
        return response;
    }

    private <T> HttpResponse<T> exchange(ImageRef ref, HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw unreachable(ref, request.uri().getPath(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("image " + ref + ": interrupted while talking to the registry", Map.of("image", ref.toString()), e);
        }
    }

    private static void discard(HttpResponse<?> response) {
        if (response.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException e) {
                // nothing to keep
            }
        }
    }

    private static void expect(ImageRef ref, HttpResponse<?> response, int status, String what) {
        if (response.statusCode() != status) {
            discard(response);
            throw new EngineException("image " + ref + ": registry " + ref.registry() + " answered HTTP " + response.statusCode()
                    + " for " + what + "; check the registry's log",
                    Map.of("image", ref.toString(), "status", response.statusCode()));
        }
    }

    private static EngineException unreachable(ImageRef ref, String what, IOException e) {
        return new EngineException("image " + ref + ": cannot fetch " + what + " from registry " + ref.registry() + ": " + e
                + "; check that the registry is reachable and retry (downloads resume where they stopped)",
                Map.of("image", ref.toString()), e);
    }
}
