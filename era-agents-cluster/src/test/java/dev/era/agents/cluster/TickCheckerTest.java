package dev.era.agents.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The chaos checker finds what it is there to find. */
class TickCheckerTest {
    private static TickChecker.Tick tick(long n, String req, String node, long epoch, long start, long end) {
        return new TickChecker.Tick("a", n, req, node, epoch, start, end);
    }

    @Test
    void sequential_ticks_with_matching_acks_are_clean() {
        var r = TickChecker.check(Map.of("a", 2L), List.of(tick(1, "r1", "n1", 1, 0, 10), tick(2, "r2", "n2", 2, 10, 20)),
                List.of(new TickChecker.Ack("a", 1, "r1"), new TickChecker.Ack("a", 2, "r2")));
        assertThat(r.clean()).as(r.toString()).isTrue();
    }

    @Test
    void ticks_of_two_owners_that_overlap_in_time_are_reported() {
        var r = TickChecker.check(Map.of("a", 2L), List.of(tick(1, "r1", "n1", 1, 0, 10), tick(2, "r2", "n2", 2, 5, 20)), List.of());
        assertThat(r.overlaps()).singleElement().asString().contains("tick 2 on n2");
    }

    @Test
    void an_acknowledged_tick_that_is_missing_or_was_overwritten_is_lost() {
        var r = TickChecker.check(Map.of("a", 1L), List.of(tick(1, "r1", "n1", 1, 0, 10)),
                List.of(new TickChecker.Ack("a", 1, "other"), new TickChecker.Ack("a", 2, "r2")));
        assertThat(r.lost()).hasSize(2);
    }

    @Test
    void a_gap_in_the_numbering_and_an_epoch_going_back_are_reported() {
        var r = TickChecker.check(Map.of("a", 3L), List.of(tick(1, "r1", "n1", 2, 0, 10), tick(3, "r3", "n2", 1, 20, 30)), List.of());
        assertThat(r.numbering()).isNotEmpty();
        assertThat(r.epochs()).singleElement().asString().contains("epoch 1 after epoch 2");
    }
}
