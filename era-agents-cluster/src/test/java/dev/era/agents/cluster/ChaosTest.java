package dev.era.agents.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9's must-show, at the size given by {@code -Dera.chaos.ticks} (the build's default is small
 * enough for CI; the full run, 100,000, is recorded in BENCHMARKS.md).
 */
class ChaosTest {
    @TempDir
    Path logs;

    @Test
    void through_kills_and_freezes_no_ticks_overlap_no_acknowledged_commit_is_lost_and_every_agent_stays_reachable()
            throws Exception {
        int ticks = Integer.getInteger("era.chaos.ticks", 10_000);

        ChaosRun.Report report = ChaosRun.run(ticks, logs);
        System.out.println("chaos: " + report);

        assertThat(report.kills()).as(report.toString()).isGreaterThanOrEqualTo(2);
        assertThat(report.freezes()).as(report.toString()).isGreaterThanOrEqualTo(2);
        assertThat(report.acked()).as(report.toString()).isGreaterThanOrEqualTo(ticks);
        assertThat(report.check().overlaps()).as(report.toString()).isEmpty();
        assertThat(report.check().numbering()).as(report.toString()).isEmpty();
        assertThat(report.check().epochs()).as(report.toString()).isEmpty();
        assertThat(report.check().lost()).as(report.toString()).isEmpty();
        assertThat(report.unreachable()).as(report.toString()).isEmpty();
        // The records cover at least every acknowledged tick plus the 3,000 reachability ticks.
        assertThat(report.check().ticks()).isGreaterThanOrEqualTo(report.acked() + 3L * ChaosRun.AGENTS);
    }
}
