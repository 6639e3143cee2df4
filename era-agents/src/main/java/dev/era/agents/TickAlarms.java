package dev.era.agents;

import dev.era.agent.AlarmInfo;
import dev.era.agent.Alarms;
import dev.era.agent.Schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A tick's view of the agent's alarms: the committed ones with the tick's changes. */
final class TickAlarms implements Alarms {
    static final int MAX_DATA_LENGTH = 64 * 1024;
    static final Comparator<AlarmInfo> SOONEST = Comparator.comparing(AlarmInfo::due).thenComparing(AlarmInfo::name);

    private final Map<String, AlarmInfo> committed;
    private final Instant now;
    private Map<String, AlarmInfo> current;
    private final Set<String> touched = new HashSet<>();

    TickAlarms(Map<String, AlarmInfo> committed, Instant now) {
        this.committed = committed;
        this.current = committed;
        this.now = now;
    }

    @Override
    public void set(String name, Schedule schedule, String data) {
        CodePoints.checkKey("alarm name", name, MAX_NAME_LENGTH);
        if (schedule == null || data == null) {
            throw new IllegalArgumentException("The alarm '" + name + "' needs a schedule and data (\"\" for none)");
        }
        if (data.length() > MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("The data of alarm '" + name + "' has " + data.length()
                    + " characters, over the limit of " + MAX_DATA_LENGTH + "; keep it in KV and put the key in the alarm");
        }
        writable();
        if (!current.containsKey(name) && current.size() >= MAX_ALARMS) {
            throw new IllegalArgumentException("An agent may have at most " + MAX_ALARMS + " alarms; cancel some"
                    + " or keep a queue in KV behind one alarm");
        }
        // Stores keep milliseconds; truncating here keeps memory and store equal.
        Instant due = schedule.first(now).truncatedTo(ChronoUnit.MILLIS);
        current.put(name, new AlarmInfo(name, due, schedule, data));
        touched.add(name);
    }

    @Override
    public void after(String name, Duration delay, String data) {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("The delay of alarm '" + name + "' must be zero or more; got " + delay);
        }
        set(name, new Schedule.Once(now.plus(delay)), data);
    }

    @Override
    public boolean cancel(String name) {
        CodePoints.checkKey("alarm name", name, MAX_NAME_LENGTH);
        if (!current.containsKey(name)) {
            return false;
        }
        writable();
        current.remove(name);
        touched.add(name);
        return true;
    }

    @Override
    public Optional<AlarmInfo> get(String name) {
        return Optional.ofNullable(current.get(name));
    }

    @Override
    public List<AlarmInfo> list() {
        List<AlarmInfo> out = new ArrayList<>(current.values());
        out.sort(SOONEST);
        return out;
    }

    boolean touched(String name) {
        return touched.contains(name);
    }

    boolean changed() {
        return !touched.isEmpty();
    }

    /** The alarms after this tick. */
    Map<String, AlarmInfo> current() {
        return current;
    }

    List<AlarmInfo> puts() {
        List<AlarmInfo> out = new ArrayList<>();
        for (String name : touched) {
            AlarmInfo a = current.get(name);
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    Set<String> deletes() {
        Set<String> out = new HashSet<>();
        for (String name : touched) {
            if (!current.containsKey(name) && committed.containsKey(name)) {
                out.add(name);
            }
        }
        return out;
    }

    private void writable() {
        if (current == committed) {
            current = new HashMap<>(committed);
        }
    }
}
