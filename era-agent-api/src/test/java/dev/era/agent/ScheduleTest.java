package dev.era.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {
    private static final Instant T = Instant.parse("2025-03-14T09:26:53Z"); // a Friday

    @Test
    void cronFindsTheNextMatchingMinuteInUtc() {
        assertThat(new Schedule.Cron("*/15 * * * *").first(T)).isEqualTo(Instant.parse("2025-03-14T09:30:00Z"));
        assertThat(new Schedule.Cron("0 9 * * 1-5").first(T)).isEqualTo(Instant.parse("2025-03-17T09:00:00Z"));
        assertThat(new Schedule.Cron("0 0 1 1 *").first(T)).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(new Schedule.Cron("30 12 29 2 *").first(T)).isEqualTo(Instant.parse("2028-02-29T12:30:00Z"));
        assertThat(new Schedule.Cron("0 0 * * 7").first(T)).isEqualTo(Instant.parse("2025-03-16T00:00:00Z"));
    }

    @Test
    void cronWithBothDayFieldsFiresOnEitherLikeVixieCron() {
        // the 20th, or any Monday: Monday 17 March comes first
        assertThat(new Schedule.Cron("0 0 20 * 1").first(T)).isEqualTo(Instant.parse("2025-03-17T00:00:00Z"));
    }

    @Test
    void cronRefusesBadExpressionsWhenSet() {
        assertThatThrownBy(() -> new Schedule.Cron("* * *")).hasMessageContaining("5 fields");
        assertThatThrownBy(() -> new Schedule.Cron("61 * * * *")).hasMessageContaining("minute");
        assertThatThrownBy(() -> new Schedule.Cron("0 0 * * MON")).hasMessageContaining("names");
        assertThatThrownBy(() -> new Schedule.Cron("0 0 30 2 *")).hasMessageContaining("never matches");
    }

    @Test
    void everySkipsOccurrencesMissedDuringADowntime() {
        Schedule.Every every = new Schedule.Every(Duration.ofMinutes(1));
        Instant due = T;
        assertThat(every.next(due, due)).contains(due.plusSeconds(60));
        assertThat(every.next(due, due.plusSeconds(600).plusMillis(1))).contains(due.plusSeconds(660));
    }

    @Test
    void schedulesRoundTripThroughTheirText() {
        for (Schedule s : new Schedule[] {new Schedule.Once(T), new Schedule.Every(Duration.ofSeconds(5)),
                new Schedule.Cron("0 9 * * 1-5")}) {
            assertThat(Schedule.parse(s.text(), T)).isEqualTo(s);
        }
    }

    @Test
    void agentRefsRefuseCharactersThatBreakUrls() {
        assertThat(AgentRef.of("counter", "user:42@eu").toString()).isEqualTo("counter/user:42@eu");
        assertThatThrownBy(() -> AgentRef.of("counter", "a/b")).hasMessageContaining("contains '/'");
        assertThatThrownBy(() -> AgentRef.of("", "a")).hasMessageContaining("1 to 64");
    }
}
