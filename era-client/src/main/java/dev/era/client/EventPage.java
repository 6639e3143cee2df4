package dev.era.client;

import java.util.List;

/** A page of events; pass {@link #lastSeq()} as {@code after} to read on. */
public record EventPage(List<Event> events, long lastSeq) {
    public EventPage {
        events = List.copyOf(events);
    }
}
