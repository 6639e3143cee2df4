package dev.era.http;

import dev.era.api.BadRequestException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryTest {
    private static Query query(String name, String value) {
        return Query.of(Map.of(name, List.of(value)), Set.of("wait", "limit", "follow"));
    }

    @Test
    void durationsTakeAUnitOrMeanSeconds() {
        assertThat(query("wait", "500ms").duration("wait", Duration.ofMinutes(1))).contains(Duration.ofMillis(500));
        assertThat(query("wait", "30s").duration("wait", Duration.ofMinutes(1))).contains(Duration.ofSeconds(30));
        assertThat(query("wait", "2m").duration("wait", Duration.ofMinutes(10))).contains(Duration.ofMinutes(2));
        assertThat(query("wait", "15").duration("wait", Duration.ofMinutes(1))).contains(Duration.ofSeconds(15));
    }

    @Test
    void aDurationOverTheLimitNamesTheParameter() {
        assertThatThrownBy(() -> query("wait", "1h").duration("wait", Duration.ofMinutes(10)))
                .isInstanceOfSatisfying(BadRequestException.class,
                        e -> assertThat(e.details()).containsEntry("parameter", "wait"))
                .hasMessageContaining("at most 600s");
    }

    @Test
    void numbersAreCheckedAgainstTheirRange() {
        assertThat(query("limit", "10").intValue("limit", 100, 1, 1000)).isEqualTo(10);
        assertThatThrownBy(() -> query("limit", "0").intValue("limit", 100, 1, 1000))
                .hasMessageContaining("between 1 and 1000");
        assertThatThrownBy(() -> query("limit", "99999999999999999999").intValue("limit", 100, 1, 1000))
                .hasMessageContaining("whole number");
    }

    @Test
    void flagsAcceptTheUsualSpellings() {
        assertThat(query("follow", "").flag("follow")).isTrue();
        assertThat(query("follow", "true").flag("follow")).isTrue();
        assertThat(query("follow", "0").flag("follow")).isFalse();
        assertThatThrownBy(() -> query("follow", "maybe").flag("follow")).isInstanceOf(BadRequestException.class);
    }

    @Test
    void unknownParametersAreRejectedWithTheKnownOnes() {
        assertThatThrownBy(() -> Query.of(Map.of("wiat", List.of("1s")), Set.of("wait")))
                .hasMessageContaining("'wiat'").hasMessageContaining("accepts wait");
        assertThatThrownBy(() -> Query.of(Map.of("x", List.of("1")), Set.of()))
                .hasMessageContaining("takes no query parameters");
    }
}
