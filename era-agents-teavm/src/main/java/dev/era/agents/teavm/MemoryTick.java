package dev.era.agents.teavm;

import dev.era.agent.AgentContext;
import dev.era.agent.AgentRef;
import dev.era.agent.AlarmInfo;
import dev.era.agent.Alarms;
import dev.era.agent.ConnectionInfo;
import dev.era.agent.Connections;
import dev.era.agent.Kv;
import dev.era.agent.KvEntry;
import dev.era.agent.Schedule;
import dev.era.agent.StateCodec;
import dev.era.agent.Trigger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** One tick's context in {@link MemoryHost}: every change is buffered until {@link #commit}. */
final class MemoryTick implements AgentContext<Object> {
    private static final byte[] DELETED = new byte[0];

    private final MemoryHost host;
    private final AgentRef ref;
    private final MemoryHost.Stored stored;
    private final Instant now;
    private Object state;
    private boolean stateSet;
    private final TreeMap<String, byte[]> kvWrites = new TreeMap<>();
    private final Map<String, AlarmInfo> alarms;
    private final LinkedHashMap<String, String> open;
    /** Outputs in order: frames to send, connections to close, messages to other agents. */
    private final List<Runnable> outputs = new ArrayList<>();
    private final Kv kv = new MemKv();
    private final Alarms alarmView = new MemAlarms();
    private final Connections connectionView = new MemConnections();

    MemoryTick(MemoryHost host, AgentRef ref, MemoryHost.Stored stored, Object state, long nowMs) {
        this.host = host;
        this.ref = ref;
        this.stored = stored;
        this.state = state;
        this.now = Instant.ofEpochMilli(nowMs);
        this.alarms = new HashMap<>(stored.alarms);
        LinkedHashMap<String, String> c = host.connections.get(ref);
        this.open = c == null ? new LinkedHashMap<>() : new LinkedHashMap<>(c);
    }

    void commit(StateCodec<Object> codec) {
        if (stateSet) {
            stored.state = codec.encode(state);
        }
        for (Map.Entry<String, byte[]> e : kvWrites.entrySet()) {
            if (e.getValue() == DELETED) {
                stored.kv.remove(e.getKey());
            } else {
                stored.kv.put(e.getKey(), e.getValue());
            }
        }
        stored.alarms.clear();
        stored.alarms.putAll(alarms);
        LinkedHashMap<String, String> live = host.connections.computeIfAbsent(ref, k -> new LinkedHashMap<>());
        live.keySet().retainAll(open.keySet());
        live.putAll(open);
        outputs.forEach(Runnable::run); // after the commit: the output gate
    }

    // ---- AgentContext ----

    @Override
    public AgentRef self() {
        return ref;
    }

    @Override
    public Object state() {
        return state;
    }

    @Override
    public void setState(Object state) {
        this.state = state;
        this.stateSet = true;
    }

    @Override
    public Kv kv() {
        return kv;
    }

    @Override
    public Alarms alarms() {
        return alarmView;
    }

    @Override
    public Connections connections() {
        return connectionView;
    }

    @Override
    public void send(AgentRef to, byte[] message) {
        byte[] copy = message.clone();
        outputs.add(() -> host.enqueue(to, new Trigger.Message(copy, ref.toString())));
    }

    @Override
    public void send(AgentRef to, String message) {
        send(to, message.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void log(String message) {
        host.log(ref, message);
    }

    @Override
    public Instant now() {
        return now;
    }

    private final class MemKv implements Kv {
        @Override
        public Optional<byte[]> get(String key) {
            byte[] w = kvWrites.get(key);
            if (w != null) {
                return w == DELETED ? Optional.empty() : Optional.of(w);
            }
            return Optional.ofNullable(stored.kv.get(key));
        }

        @Override
        public Optional<String> getString(String key) {
            return get(key).map(v -> new String(v, StandardCharsets.UTF_8));
        }

        @Override
        public void put(String key, byte[] value) {
            kvWrites.put(key, value.clone());
        }

        @Override
        public void put(String key, String value) {
            put(key, value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void delete(String key) {
            kvWrites.put(key, DELETED);
        }

        @Override
        public List<KvEntry> list(String prefix, int limit) {
            TreeMap<String, byte[]> merged = new TreeMap<>(stored.kv);
            for (Map.Entry<String, byte[]> e : kvWrites.entrySet()) {
                if (e.getValue() == DELETED) {
                    merged.remove(e.getKey());
                } else {
                    merged.put(e.getKey(), e.getValue());
                }
            }
            List<KvEntry> out = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : merged.tailMap(prefix).entrySet()) {
                if (!e.getKey().startsWith(prefix) || out.size() == limit) {
                    break;
                }
                out.add(new KvEntry(e.getKey(), e.getValue()));
            }
            return out;
        }
    }

    private final class MemAlarms implements Alarms {
        @Override
        public void set(String name, Schedule schedule, String data) {
            alarms.put(name, new AlarmInfo(name, schedule.first(now), schedule, data));
        }

        @Override
        public void after(String name, Duration delay, String data) {
            set(name, new Schedule.Once(now.plus(delay)), data);
        }

        @Override
        public boolean cancel(String name) {
            return alarms.remove(name) != null;
        }

        @Override
        public Optional<AlarmInfo> get(String name) {
            return Optional.ofNullable(alarms.get(name));
        }

        @Override
        public List<AlarmInfo> list() {
            List<AlarmInfo> out = new ArrayList<>(alarms.values());
            out.sort((a, b) -> a.due().compareTo(b.due()));
            return out;
        }
    }

    private final class MemConnections implements Connections {
        @Override
        public List<ConnectionInfo> list() {
            List<ConnectionInfo> out = new ArrayList<>();
            for (Map.Entry<String, String> e : open.entrySet()) {
                out.add(new ConnectionInfo(e.getKey(), e.getValue()));
            }
            return out;
        }

        @Override
        public Optional<ConnectionInfo> get(String connectionId) {
            String a = open.get(connectionId);
            return a == null ? Optional.empty() : Optional.of(new ConnectionInfo(connectionId, a));
        }

        @Override
        public void send(String connectionId, String text) {
            if (open.containsKey(connectionId)) {
                outputs.add(() -> host.frame(connectionId, text));
            }
        }

        @Override
        public void send(String connectionId, byte[] data) {
            send(connectionId, "<" + data.length + " bytes>");
        }

        @Override
        public void broadcast(String text) {
            broadcast(text, "");
        }

        @Override
        public void broadcast(String text, String exceptConnectionId) {
            for (String id : open.keySet()) {
                if (!id.equals(exceptConnectionId)) {
                    send(id, text);
                }
            }
        }

        @Override
        public void close(String connectionId, int code, String reason) {
            if (open.remove(connectionId) != null) {
                outputs.add(() -> host.frame(connectionId, "<closed " + code + " " + reason + ">"));
            }
        }

        @Override
        public void attach(String connectionId, String attachment) {
            if (open.containsKey(connectionId)) {
                open.put(connectionId, attachment);
            }
        }
    }
}
