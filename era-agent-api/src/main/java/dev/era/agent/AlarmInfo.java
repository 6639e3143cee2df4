package dev.era.agent;

import java.time.Instant;

/** An alarm as stored: its name, when it is next due, how it recurs and its data. */
public record AlarmInfo(String name, Instant due, Schedule schedule, String data) {
    public AlarmInfo {
        if (name == null || due == null || schedule == null || data == null) {
            throw new IllegalArgumentException("An alarm needs a name, a due time, a schedule and data");
        }
    }
}
