package dev.era.agents.examples;

import dev.era.agent.Agent;
import dev.era.agent.AgentContext;
import dev.era.agent.ConnectionInfo;
import dev.era.agent.Json;
import dev.era.agent.KvEntry;
import dev.era.agent.StateCodec;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.util.List;

/**
 * A chat room over WebSockets. Connect with {@code ?name=ada}; the name is kept as the
 * connection's attachment, so it survives the room's hibernation. A newcomer gets the last
 * {@value #HISTORY} messages, everyone sees joins, leaves and messages. A plain message (HTTP)
 * {@code who} lists who is in the room; any other text is posted as "system".
 */
public final class ChatRoomAgent implements Agent<ChatRoomAgent.Room> {
    /** How many messages the room keeps in KV for newcomers. */
    public static final int HISTORY = 50;

    /** @param posted messages ever posted; numbers the history keys */
    public record Room(long posted) {
    }

    private static final StateCodec<Room> CODEC = StateCodec.json(
            r -> Json.object().with("posted", r.posted()),
            j -> new Room(((Json.Obj) j).number("posted", 0)));

    @Override
    public Room initialState() {
        return new Room(0);
    }

    @Override
    public StateCodec<Room> stateCodec() {
        return CODEC;
    }

    @Override
    public TickResult onTrigger(AgentContext<Room> ctx, Trigger trigger) {
        switch (trigger) {
            case Trigger.Connect c -> {
                String name = c.params().getOrDefault("name", "").trim();
                if (name.isEmpty() || name.length() > 32) {
                    return TickResult.status(400, "connect with ?name=<1 to 32 characters>");
                }
                ctx.connections().attach(c.connectionId(), name);
                for (KvEntry old : ctx.kv().list("msg/")) {
                    ctx.connections().send(c.connectionId(), old.text());
                }
                ctx.connections().broadcast("* " + name + " joined");
            }
            case Trigger.SocketMessage s -> {
                String name = ctx.connections().get(s.connectionId()).map(ConnectionInfo::attachment).orElse("?");
                post(ctx, name + ": " + s.text());
            }
            case Trigger.Disconnect d -> ctx.connections().broadcast("* " + d.attachment() + " left");
            case Trigger.Message m when m.text().equals("who") -> {
                List<String> names = ctx.connections().list().stream().map(ConnectionInfo::attachment).toList();
                return TickResult.reply(String.join(",", names));
            }
            case Trigger.Message m -> post(ctx, "system: " + m.text());
            default -> {
            }
        }
        return TickResult.ok();
    }

    private static void post(AgentContext<Room> ctx, String line) {
        long n = ctx.state().posted() + 1;
        ctx.setState(new Room(n));
        ctx.kv().put(key(n), line); // zero-padded, so KV order is posting order
        if (n > HISTORY) {
            ctx.kv().delete(key(n - HISTORY));
        }
        ctx.connections().broadcast(line);
    }

    private static String key(long n) {
        String digits = Long.toString(n);
        return "msg/" + "0".repeat(Math.max(0, 12 - digits.length())) + digits;
    }
}
