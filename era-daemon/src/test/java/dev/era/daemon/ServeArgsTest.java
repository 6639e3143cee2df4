package dev.era.daemon;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ServeArgsTest {
    @Test
    void aPlainServeIsReadWithTheDefaults() {
        assertThat(ServeArgs.parse("serve")).contains(new ServeArgs(Optional.empty(), "127.0.0.1:7878"));
    }

    @Test
    void dataDirMayComeBeforeOrAfterServeAndBothOptionsMayUseEquals() {
        ServeArgs expected = new ServeArgs(Optional.of(Path.of("/srv/era")), "0.0.0.0:1");
        assertThat(ServeArgs.parse("--data-dir", "/srv/era", "serve", "--listen", "0.0.0.0:1")).contains(expected);
        assertThat(ServeArgs.parse("serve", "--data-dir=/srv/era", "--listen=0.0.0.0:1")).contains(expected);
    }

    @Test
    void anythingElseIsLeftToPicocli() {
        assertThat(ServeArgs.parse()).isEmpty();
        assertThat(ServeArgs.parse("ps")).isEmpty();
        assertThat(ServeArgs.parse("serve", "--help")).isEmpty();
        assertThat(ServeArgs.parse("serve", "-h")).isEmpty();
        assertThat(ServeArgs.parse("serve", "--listen")).isEmpty();
        assertThat(ServeArgs.parse("serve", "--listen", "a:1", "--listen", "b:2")).isEmpty();
        assertThat(ServeArgs.parse("--listen", "a:1", "serve")).as("--listen belongs to serve").isEmpty();
        assertThat(ServeArgs.parse("serve", "serve")).isEmpty();
        assertThat(ServeArgs.parse("serve", "--url", "http://x")).isEmpty();
        assertThat(ServeArgs.parse("serve", "extra")).isEmpty();
    }
}
