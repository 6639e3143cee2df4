package dev.era.snapshot.s3;

import dev.era.api.NotFoundException;
import dev.era.api.StoreException;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3SnapshotStoreTest {
    static S3ProxyServer s3;
    static S3SnapshotStore store;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = new S3ProxyServer(new TransientNio2BlobStore());
        store = s3.store("snapshots");
        store.createBucketIfMissing();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void anArchiveIsPutReadBackAndDeleted() throws Exception {
        byte[] data = new byte[3_000_001];
        new Random(3).nextBytes(data);

        String location = store.put("acme/snap-0123456789ab.tar", new ByteArrayInputStream(data), data.length);

        assertThat(location).isEqualTo("s3://snapshots/era/acme/snap-0123456789ab.tar");
        try (InputStream in = store.get("acme/snap-0123456789ab.tar")) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        store.delete("acme/snap-0123456789ab.tar");
        assertThatThrownBy(() -> store.get("acme/snap-0123456789ab.tar")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void anEmptyArchiveAndAReplacedOneAreFine() throws Exception {
        store.put("k", new ByteArrayInputStream(new byte[0]), 0);
        store.put("k", new ByteArrayInputStream(new byte[] {1, 2}), 2);

        try (InputStream in = store.get("k")) {
            assertThat(in.readAllBytes()).containsExactly(1, 2);
        }
    }

    @Test
    void deletingWhatIsNotThereIsHarmless() {
        store.delete("never/put.tar");
    }

    @Test
    void creatingTheBucketAgainIsHarmless() {
        store.createBucketIfMissing();
    }

    @Test
    void aWrongSecretIsRefusedWithTheStoresCodeAndAHint() {
        S3SnapshotStore wrong = s3.store("snapshots", "not-the-secret");

        assertThatThrownBy(() -> wrong.put("x", new ByteArrayInputStream(new byte[1]), 1))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("HTTP 403")
                .hasMessageContaining("SignatureDoesNotMatch")
                .hasMessageContaining("check the access key")
                .hasMessageNotContaining("not-the-secret");
    }

    @Test
    void aMissingBucketIsNamedInTheError() {
        assertThatThrownBy(() -> s3.store("no-such-bucket").put("x", new ByteArrayInputStream(new byte[1]), 1))
                .isInstanceOf(StoreException.class).hasMessageContaining("NoSuchBucket")
                .hasMessageContaining("create bucket no-such-bucket");
    }

    @Test
    void anUnreachableStoreIsAStoreErrorNamingTheEndpoint() {
        S3SnapshotStore nowhere = new S3SnapshotStore(S3Config.of(URI.create("http://127.0.0.1:1"), "us-east-1", "bucket",
                "a", "s"), Clock.systemUTC());

        assertThatThrownBy(() -> nowhere.get("x")).isInstanceOf(StoreException.class)
                .hasMessageContaining("http://127.0.0.1:1").hasMessageContaining("reachable");
    }

    @Test
    void theSignatureMatchesTheGetObjectExampleOfTheS3Documentation() {
        // "Example: GET Object" of "Signature Calculations for the Authorization Header" (S3 API reference)
        S3Config config = new S3Config(URI.create("https://examplebucket.s3.amazonaws.com"), "us-east-1",
                "examplebucket", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "",
                Duration.ofSeconds(1));
        Map<String, String> h = SigV4.sign("GET", "examplebucket.s3.amazonaws.com", "/test.txt", "",
                Map.of("range", "bytes=0-9"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                config, Instant.parse("2013-05-24T00:00:00Z"));

        assertThat(h.get("authorization")).isEqualTo("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                + "us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
        assertThat(SigV4.encodePath("/b/a key+\u00e9")).isEqualTo("/b/a%20key%2B%C3%A9");
    }

    @Test
    void theConfigKeepsItsSecretOutOfItsTextAndChecksItsFields() {
        S3Config c = S3Config.of(URI.create("http://127.0.0.1:9000"), "us-east-1", "bucket", "AK", "very-secret");

        assertThat(c.toString()).contains("AK").doesNotContain("very-secret");
        assertThatThrownBy(() -> S3Config.of(URI.create("ftp://x"), "r", "bucket", "a", "s"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> S3Config.of(URI.create("http://x"), "r", "Bad_Bucket", "a", "s"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
