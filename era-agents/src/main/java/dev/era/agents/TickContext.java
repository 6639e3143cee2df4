package dev.era.agents;

import dev.era.agent.AgentContext;
import dev.era.agent.AgentRef;
import dev.era.agent.Alarms;
import dev.era.agent.Connections;
import dev.era.agent.Kv;
import dev.era.agents.spi.TickWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@link AgentContext} of one tick: a buffer of everything the tick changes, turned into one
 * {@link TickWrite} and a list of outputs when the tick returns. Nothing reaches the store or a
 * client before the commit. The KV, alarm and connection views are made on first use, so a tick
 * that only reads its state allocates little.
 */
final class TickContext implements AgentContext<Object> {
    private static final Logger AGENT_LOG = LoggerFactory.getLogger("dev.era.agents.agent");
    /** Largest message to another agent, as for KV values. */
    static final int MAX_MESSAGE_BYTES = Kv.MAX_VALUE_BYTES;
    /** Most messages one tick may send, so that a loop bug fails the tick instead of flooding the outbox. */
    static final int MAX_SENDS = 1_000;

    final Activation act;
    final Instant now;
    private final TickRunner runner;
    private Object state;
    private boolean stateSet;
    private TickKv kv;
    private TickAlarms alarms;
    private TickConnections connections;
    private List<TickWrite.Outgoing> sends = List.of();
    private boolean ended;

    TickContext(Activation act, Instant now, TickRunner runner) {
        this.act = act;
        this.now = now;
        this.runner = runner;
        this.state = act.state;
    }

    @Override
    public AgentRef self() {
        return act.ref;
    }

    @Override
    public Object state() {
        live();
        return state;
    }

    @Override
    public void setState(Object state) {
        live();
        if (state == null) {
            throw new IllegalArgumentException("The state of " + act.ref + " cannot be null; use an empty state object");
        }
        this.state = state;
        this.stateSet = true;
    }

    @Override
    public Kv kv() {
        live();
        if (kv == null) {
            kv = new TickKv(act.ref, runner.store);
        }
        return kv;
    }

    @Override
    public Alarms alarms() {
        live();
        if (alarms == null) {
            alarms = new TickAlarms(act.alarms, now);
        }
        return alarms;
    }

    @Override
    public Connections connections() {
        live();
        if (connections == null) {
            connections = new TickConnections(runner.sockets.of(act.ref));
        }
        return connections;
    }

    @Override
    public void send(AgentRef to, byte[] message) {
        live();
        if (to == null || message == null) {
            throw new IllegalArgumentException("send needs a receiver and a message");
        }
        runner.requireType(to);
        if (message.length > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("A message from " + act.ref + " to " + to + " has " + message.length
                    + " bytes, over the limit of " + MAX_MESSAGE_BYTES + "; put large data in KV and send its key");
        }
        if (sends.size() >= MAX_SENDS) {
            throw new IllegalArgumentException(act.ref + " sent more than " + MAX_SENDS + " messages in one tick;"
                    + " split the work over several ticks");
        }
        if (sends.isEmpty()) {
            sends = new ArrayList<>(2);
        }
        sends.add(new TickWrite.Outgoing(to, act.ref, message.clone()));
    }

    @Override
    public void send(AgentRef to, String message) {
        send(to, message.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void log(String message) {
        AGENT_LOG.info("[{}] {}", act.ref, message);
    }

    @Override
    public Instant now() {
        return now;
    }

    /** Called when the tick returned or threw: a context kept by the agent refuses further use. */
    void end() {
        ended = true;
    }

    Object newState() {
        return state;
    }

    boolean stateSet() {
        return stateSet;
    }

    TickKv kvChanges() {
        return kv;
    }

    TickAlarms alarmChanges() {
        return alarms;
    }

    TickConnections socketOps() {
        return connections;
    }

    List<TickWrite.Outgoing> sends() {
        return sends;
    }

    Map<String, byte[]> kvPuts() {
        return kv == null ? Map.of() : kv.puts();
    }

    private void live() {
        if (ended) {
            throw new IllegalStateException("The context of a tick of " + act.ref + " was used after the tick ended;"
                    + " do not keep it, use the one each onTrigger call receives");
        }
    }
}
