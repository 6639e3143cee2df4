package dev.era.engine.oci;

import dev.era.api.InvalidSpecException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageRefTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void aShortNameMeansDockerHubsLibraryAndLatest() {
        assertThat(ImageRef.parse("busybox")).isEqualTo(new ImageRef("registry-1.docker.io", "library/busybox", "latest", ""));
        assertThat(ImageRef.parse("user/app:2")).isEqualTo(new ImageRef("registry-1.docker.io", "user/app", "2", ""));
    }

    @Test
    void aHostWithAPortAndADigestAreKept() {
        ImageRef ref = ImageRef.parse("127.0.0.1:5000/tools/busybox@" + DIGEST);

        assertThat(ref).isEqualTo(new ImageRef("127.0.0.1:5000", "tools/busybox", "", DIGEST));
        assertThat(ref.manifestReference()).isEqualTo(DIGEST);
        assertThat(ref.loopback()).isTrue();
        assertThat(ImageRef.parse("ghcr.io/o/r:1").loopback()).isFalse();
        assertThat(ImageRef.parse("localhost:5000/r:1@" + DIGEST).toString()).isEqualTo("localhost:5000/r:1@" + DIGEST);
    }

    @Test
    void malformedReferencesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> ImageRef.parse("")).isInstanceOf(InvalidSpecException.class).hasMessageContaining("'artifact'");
        assertThatThrownBy(() -> ImageRef.parse("r@sha256:123")).hasMessageContaining("malformed digest");
        assertThatThrownBy(() -> ImageRef.parse("Upper/Case")).hasMessageContaining("malformed repository");
        assertThatThrownBy(() -> ImageRef.parse("r:bad/tag!")).isInstanceOf(InvalidSpecException.class);
    }
}
