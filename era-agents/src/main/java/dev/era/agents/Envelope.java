package dev.era.agents;

import dev.era.agent.AlarmInfo;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;

import java.util.concurrent.CompletableFuture;

/**
 * A trigger on its way through an agent's mailbox, with where its answer goes and where it came
 * from durably. Touched only by the agent's turn once queued.
 */
final class Envelope {
    final Trigger trigger;
    /** Completed after the tick commits; null when nobody waits (alarms, agent messages, socket frames). */
    final CompletableFuture<TickResult> reply;
    /** The outbox row this message came from, consumed by the tick's commit; 0 when not durable. */
    final long outboxSeq;
    int attempts;
    /** For an alarm: the alarm as stored when the tick ran, so that its consumption knows the schedule. */
    AlarmInfo alarm;

    Envelope(Trigger trigger, CompletableFuture<TickResult> reply, long outboxSeq) {
        this.trigger = trigger;
        this.reply = reply;
        this.outboxSeq = outboxSeq;
    }

    void succeed(TickResult result) {
        if (reply != null) {
            reply.complete(result);
        }
    }

    void fail(Throwable failure) {
        if (reply != null) {
            reply.completeExceptionally(failure);
        }
    }

    /** The kind recorded in dead letters. */
    String kind() {
        return switch (trigger) {
            case Trigger.Message ignored -> "message";
            case Trigger.Alarm ignored -> "alarm";
            case Trigger.Request ignored -> "request";
            case Trigger.Connect ignored -> "connect";
            case Trigger.SocketMessage ignored -> "socket-message";
            case Trigger.Disconnect ignored -> "disconnect";
        };
    }

    /** What a dead letter keeps, enough to understand and replay the trigger by hand. */
    byte[] payload() {
        return switch (trigger) {
            case Trigger.Message m -> m.data();
            case Trigger.Alarm a -> a.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            case Trigger.Request r -> r.body();
            case Trigger.Connect c -> c.connectionId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            case Trigger.SocketMessage s -> s.data();
            case Trigger.Disconnect d -> d.connectionId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        };
    }
}
