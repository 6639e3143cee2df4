package dev.era.agents.spi;

import java.util.List;

/** The result of a commit: the outbox sequence numbers given to the tick's sends, in order. */
public record Committed(List<Long> outboxSeqs) {
    public static final Committed NOTHING = new Committed(List.of());

    public Committed {
        outboxSeqs = List.copyOf(outboxSeqs);
    }
}
