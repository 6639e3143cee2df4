package dev.era.agents.examples;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.AlarmInfo;
import dev.era.agent.Json;
import dev.era.agent.Schedule;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.time.Duration;

/**
 * Reminders on durable alarms. Messages are JSON:
 * <ul>
 * <li>{@code {"remind":"tea","text":"the kettle","in":"PT5M"}} once, after an ISO-8601 duration</li>
 * <li>{@code {"remind":"standup","text":"standup!","cron":"0 9 * * 1-5"}} on a cron schedule (UTC)</li>
 * <li>{@code {"remind":"water","text":"drink","every":"PT1H"}} periodically</li>
 * <li>{@code {"cancel":"tea"}}, and {@code {"list":true}} which answers the names</li>
 * </ul>
 * When one is due, it is recorded in KV under {@code fired/<due>/<name>} and pushed to every
 * connected client. Alarms fire at least once, so the KV key is derived from the due time: a
 * repeated delivery writes the same key again instead of a second entry.
 */
public final class ReminderAgent implements Agent<ReminderAgent.Stats> {
    /** @param fired reminders delivered (a repeated delivery counts again: it is only a statistic) */
    public record Stats(long fired) {
    }

    private static final StateCodec<Stats> CODEC = StateCodec.json(
            s -> Json.object().with("fired", s.fired()),
            j -> new Stats(((Json.Obj) j).number("fired", 0)));

    @Override
    public Stats initialState() {
        return new Stats(0);
    }

    @Override
    public StateCodec<Stats> stateCodec() {
        return CODEC;
    }

    @Override
    public TickResult onTrigger(AgentContext<Stats> ctx, Trigger trigger) {
        return switch (trigger) {
            case Trigger.Message m -> command(ctx, m.text());
            case Trigger.Alarm a -> {
                ctx.kv().put("fired/" + a.scheduledAt().toEpochMilli() + "/" + a.name(), a.data());
                ctx.connections().broadcast("reminder " + a.name() + ": " + a.data());
                ctx.setState(new Stats(ctx.state().fired() + 1));
                yield TickResult.ok();
            }
            default -> TickResult.ok();
        };
    }

    private static TickResult command(AgentContext<Stats> ctx, String text) {
        Json.Obj cmd;
        try {
            cmd = (Json.Obj) Json.parse(text);
        } catch (IllegalArgumentException | ClassCastException e) {
            return TickResult.status(400, "send a JSON object such as {\"remind\":\"tea\",\"text\":\"...\",\"in\":\"PT5M\"}");
        }
        if (cmd.bool("list", false)) {
            StringBuilder names = new StringBuilder();
            for (AlarmInfo a : ctx.alarms().list()) {
                names.append(names.isEmpty() ? "" : ",").append(a.name()).append('@').append(a.due());
            }
            return TickResult.reply(names.toString());
        }
        String cancel = cmd.string("cancel", "");
        if (!cancel.isEmpty()) {
            return TickResult.reply(ctx.alarms().cancel(cancel) ? "cancelled " + cancel : "no reminder " + cancel);
        }
        String name = cmd.string("remind", "");
        String note = cmd.string("text", name);
        try {
            Schedule schedule;
            if (cmd.get("in").isPresent()) {
                schedule = new Schedule.Once(ctx.now().plus(Duration.parse(cmd.string("in", ""))));
            } else if (cmd.get("cron").isPresent()) {
                schedule = new Schedule.Cron(cmd.string("cron", ""));
            } else if (cmd.get("every").isPresent()) {
                schedule = new Schedule.Every(Duration.parse(cmd.string("every", "")));
            } else {
                return TickResult.status(400, "say when: \"in\" (ISO duration), \"cron\" or \"every\"");
            }
            ctx.alarms().set(name, schedule, note);
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            return TickResult.status(400, e.getMessage());
        }
        return TickResult.reply("set " + name + " for " + ctx.alarms().get(name).orElseThrow().due());
    }
}
