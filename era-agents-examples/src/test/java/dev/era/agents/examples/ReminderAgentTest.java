package dev.era.agents.examples;

import dev.era.agents.AgentRuntime;
import dev.era.agents.EraAgents;
import dev.era.agents.ManualTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReminderAgentTest {
    static final Instant MONDAY_8AM = Instant.parse("2025-03-17T08:00:00Z");

    @TempDir
    Path dir;

    @Test
    void remindersFireOnTimeReachConnectedClientsAndSurviveARestart() {
        Path db = dir.resolve("agents.db");
        ManualTime time = new ManualTime(MONDAY_8AM);
        try (AgentRuntime agents = EraAgents.local(db).register("reminder", ReminderAgent::new).time(time).start()) {
            assertThat(agents.send("reminder", "me", "{\"remind\":\"tea\",\"text\":\"the kettle\",\"in\":\"PT5M\"}")
                    .join().text()).isEqualTo("set tea for 2025-03-17T08:05:00Z");
            agents.send("reminder", "me", "{\"remind\":\"standup\",\"text\":\"standup!\",\"cron\":\"0 9 * * 1-5\"}").join();
            agents.send("reminder", "me", "{\"remind\":\"oops\",\"in\":\"PT1M\"}").join();
            assertThat(agents.send("reminder", "me", "{\"cancel\":\"oops\"}").join().text()).isEqualTo("cancelled oops");
            assertThat(agents.send("reminder", "me", "{\"remind\":\"x\",\"cron\":\"61 * * * *\"}").join().status())
                    .isEqualTo(400);

            Frames phone = new Frames();
            agents.connect("reminder", "me", Map.of(), phone).join();
            time.advance(Duration.ofMinutes(4));
            assertThat(phone.received).isEmpty();
            Frames.awaitMoving(time, Duration.ofSeconds(1), "tea", () -> phone.received.contains("reminder tea: the kettle"));
        }
        // Stopped over the 9:00 standup; the restart (clock at 9:30) fires it once, then it moves to Tuesday.
        time = new ManualTime(MONDAY_8AM.plus(Duration.ofMinutes(90)));
        try (AgentRuntime agents = EraAgents.local(db).register("reminder", ReminderAgent::new).time(time).start()) {
            Frames.awaitMoving(time, Duration.ZERO, "the missed standup fired",
                    () -> agents.admin().kv("reminder", "me", "fired/", 10).size() == 2);
            assertThat(agents.admin().kv("reminder", "me", "fired/", 10)).extracting(e -> e.key()).containsExactly(
                    "fired/" + MONDAY_8AM.plusSeconds(300).toEpochMilli() + "/tea",
                    "fired/" + MONDAY_8AM.plusSeconds(3600).toEpochMilli() + "/standup");
            assertThat(agents.send("reminder", "me", "{\"list\":true}").join().text())
                    .isEqualTo("standup@2025-03-18T09:00:00Z");
            assertThat(agents.admin().agent("reminder", "me").orElseThrow().stateText()).contains("{\"fired\":2}");
        }
    }
}
