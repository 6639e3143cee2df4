package dev.era.snapshot.s3;

import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where snapshots go in an S3-compatible store. Requests use path-style addressing
 * ({@code <endpoint>/<bucket>/<key>}), which every S3-compatible store (MinIO, Ceph, S3Proxy, R2,
 * AWS) accepts, and need no DNS per bucket.
 *
 * @param endpoint  {@code https://s3.eu-west-1.amazonaws.com}, {@code http://127.0.0.1:9000}, ...
 * @param region    the SigV4 signing region ({@code us-east-1} for most non-AWS stores)
 * @param bucket    an existing bucket (see {@link S3SnapshotStore#createBucketIfMissing()})
 * @param prefix    prepended to every key, e.g. {@code era/}; may be empty
 * @param timeout   for connecting and for each response's headers (bodies stream without a limit)
 */
public record S3Config(URI endpoint, String region, String bucket, String accessKey, String secretKey, String prefix,
                       Duration timeout) {
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9_.-]+/)*");

    public S3Config {
        if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme()) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("the S3 endpoint must be an http(s) URL with a host, got " + endpoint);
        }
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("'" + bucket + "' is not an S3 bucket name (3-63 lower-case letters, "
                    + "digits, '.' and '-')");
        }
        if (region.isBlank() || accessKey.isBlank() || secretKey.isBlank()) {
            throw new IllegalArgumentException("the S3 region, access key and secret key must be given");
        }
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("the S3 key prefix must be empty or end with '/' (got '" + prefix + "')");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the S3 timeout must be positive");
        }
    }

    public static S3Config of(URI endpoint, String region, String bucket, String accessKey, String secretKey) {
        return new S3Config(endpoint, region, bucket, accessKey, secretKey, "", Duration.ofSeconds(30));
    }

    /** Keeps the secret out of logs and error messages. */
    @Override
    public String toString() {
        return "S3Config[" + endpoint + ", region " + region + ", bucket " + bucket + ", prefix '" + prefix
                + "', access key " + accessKey + "]";
    }
}
