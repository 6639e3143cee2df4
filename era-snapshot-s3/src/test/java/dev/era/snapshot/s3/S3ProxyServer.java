package dev.era.snapshot.s3;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;

/** A real S3 server (S3Proxy) in this JVM, on a free loopback port, with SigV4 authentication. */
final class S3ProxyServer implements AutoCloseable {
    static final String ACCESS = "era-access";
    static final String SECRET = "era-secret-key";
    private final S3Proxy proxy;

    S3ProxyServer(BlobStore blobs) throws Exception {
        proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS, SECRET).build();
        proxy.start();
        long end = System.nanoTime() + 10_000_000_000L;
        while (!proxy.getState().equals("STARTED")) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(5);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    S3SnapshotStore store(String bucket) {
        return store(bucket, SECRET);
    }

    S3SnapshotStore store(String bucket, String secret) {
        return new S3SnapshotStore(new S3Config(endpoint(), "us-east-1", bucket, ACCESS, secret, "era/",
                Duration.ofSeconds(30)), Clock.systemUTC());
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        }
    }
}
