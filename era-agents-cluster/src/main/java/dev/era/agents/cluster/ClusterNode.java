package dev.era.agents.cluster;

import dev.era.agent.AgentRef;
import dev.era.agent.TickResult;
import dev.era.agent.Trigger;
import dev.era.agents.AgentAdmin;
import dev.era.agents.AgentRuntime;
import dev.era.agents.AgentRuntimeException;
import dev.era.agents.AgentSocket;
import dev.era.agents.SocketSink;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One node of an agent cluster, made by {@link ClusterAgents#cluster}. Send to any node: a call for
 * an agent this node owns runs here; any other is forwarded to its owner. While an agent changes
 * owner (a node joined, left, died or froze) a call is retried, for at most two leases and 5 s, until the
 * new owner serves it; retries happen only when the tick certainly did not run (this node or the
 * peer does not own the agent, or the peer refused the connection), so they never run a trigger
 * twice. A peer that does not answer in time fails the call with {@code agent_owner_unreachable}.
 * <p>
 * WebSocket connections are local: {@link #connect} works on the agent's owner only.
 */
public final class ClusterNode implements AgentRuntime {
    /** Between retries of a call whose agent is changing owner. */
    static final long RETRY_MS = 20;

    private final AgentRuntime local;
    private final Membership membership;
    private final Forwarder forwarder;
    private final NodeServer server;
    private final PostgresAgentStore store;
    private final long retryWindowNanos;
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder retried = new LongAdder();

    ClusterNode(AgentRuntime local, Membership membership, Forwarder forwarder, NodeServer server, PostgresAgentStore store,
                ClusterConfig config) {
        this.local = local;
        this.membership = membership;
        this.forwarder = forwarder;
        this.server = server;
        this.store = store;
        this.retryWindowNanos = config.retryWindow().toNanos();
    }

    void startServing() {
        server.start(new NodeServer.Handler() {
            @Override
            public CompletableFuture<TickResult> call(String type, String id, Trigger trigger, boolean fromPeer) {
                return ClusterNode.this.call(type, id, trigger, fromPeer);
            }

            @Override
            public String describe() {
                return "node " + membership.nodeId() + "\naddress " + membership.address() + "\nowned-partitions "
                        + membership.ownedPartitions() + "\nmembers " + membership.members() + "\n";
            }
        });
    }

    public String nodeId() {
        return membership.nodeId();
    }

    /** host:port where this node takes calls (see the node protocol in docs/cluster.md). */
    public String address() {
        return membership.address();
    }

    /** Live members as this node last saw them: node id → address. */
    public Map<String, String> members() {
        return membership.members();
    }

    /** How many partitions this node holds a valid lease for now. */
    public int ownedPartitions() {
        return membership.ownedPartitions();
    }

    /** Whether this node owns the agent now. */
    public boolean owns(String type, String id) {
        return membership.owns(AgentRef.of(type, id));
    }

    /**
     * The epoch of the last lease this node had for the agent's partition (for tick records and
     * diagnostics); read inside a tick that then commits, it is the epoch the commit was fenced with.
     */
    public long epochOf(String type, String id) {
        return membership.heldEpoch(AgentRef.of(type, id));
    }

    /** Counters: calls forwarded to peers, calls retried while their agent changed owner, commits refused by the fence. */
    public Map<String, Long> counters() {
        return Map.of("forwarded", forwarded.sum(), "retried", retried.sum(), "fenced", store.fencedCommits(),
                "heartbeats", membership.beats());
    }

    @Override
    public CompletableFuture<TickResult> send(String type, String id, byte[] message) {
        if (message == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("A message to " + type + "/" + id + " is required"));
        }
        return call(type, id, new Trigger.Message(message.clone(), ""), false);
    }

    @Override
    public CompletableFuture<TickResult> request(String type, String id, Trigger.Request request) {
        return call(type, id, request, false);
    }

    private CompletableFuture<TickResult> call(String type, String id, Trigger trigger, boolean fromPeer) {
        AgentRef ref;
        try {
            ref = AgentRef.of(type, id);
        } catch (IllegalArgumentException e) {
            return local.send(type, id, new byte[0]); // the local runtime words the validation failure
        }
        CompletableFuture<TickResult> out = new CompletableFuture<>();
        attempt(ref, trigger, fromPeer, System.nanoTime() + retryWindowNanos, out);
        return out;
    }

    private void attempt(AgentRef ref, Trigger trigger, boolean fromPeer, long deadline, CompletableFuture<TickResult> out) {
        CompletableFuture<TickResult> tried;
        if (membership.owns(ref)) {
            tried = trigger instanceof Trigger.Request r ? local.request(ref.type(), ref.id(), r)
                    : local.send(ref.type(), ref.id(), ((Trigger.Message) trigger).data());
        } else if (fromPeer) {
            // Never forwarded twice: the peer that sent it retries with its own, fresher, view.
            tried = CompletableFuture.failedFuture(notOwner(ref));
        } else {
            Route route = membership.route(ref);
            if (route.nodeId().equals(membership.nodeId())) {
                tried = CompletableFuture.failedFuture(notOwner(ref)); // this node is about to take it
            } else {
                forwarded.increment();
                tried = forwarder.forward(route, ref, trigger);
            }
        }
        tried.whenComplete((result, error) -> {
            if (error == null) {
                out.complete(result);
                return;
            }
            Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            boolean notDelivered = t instanceof AgentRuntimeException.NotOwner || t instanceof Forwarder.NotDelivered;
            if (notDelivered && !fromPeer && System.nanoTime() < deadline) {
                retried.increment();
                Executor later = CompletableFuture.delayedExecutor(RETRY_MS, TimeUnit.MILLISECONDS);
                later.execute(() -> attempt(ref, trigger, false, deadline, out));
            } else if (t instanceof Forwarder.NotDelivered nd) {
                out.completeExceptionally(new AgentRuntimeException.NotOwner(nd.getMessage()
                        + "; no node took over " + ref + " in time", Map.of("agent", ref.toString())));
            } else {
                out.completeExceptionally(t);
            }
        });
    }

    private AgentRuntimeException.NotOwner notOwner(AgentRef ref) {
        try {
            membership.fenceFor(ref);
        } catch (AgentRuntimeException.NotOwner e) {
            return e;
        }
        return new AgentRuntimeException.NotOwner("Node " + membership.nodeId() + " does not own " + ref,
                Map.of("agent", ref.toString()));
    }

    @Override
    public CompletableFuture<AgentSocket> connect(String type, String id, Map<String, String> params, SocketSink sink) {
        AgentRef ref = AgentRef.of(type, id);
        if (!membership.owns(ref)) {
            return CompletableFuture.failedFuture(notOwner(ref));
        }
        return local.connect(type, id, params, sink);
    }

    @Override
    public AgentAdmin admin() {
        return local.admin();
    }

    @Override
    public Set<String> types() {
        return local.types();
    }

    /** Stops taking calls, lets ticks in progress commit, gives the leases back (peers take over at once) and leaves. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            try {
                local.close(); // closes the store: the writer drains, then the membership leaves and the pool closes
            } finally {
                forwarder.close();
            }
        }
    }
}
