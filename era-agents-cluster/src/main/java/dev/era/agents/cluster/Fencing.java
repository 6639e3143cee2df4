package dev.era.agents.cluster;

import dev.era.agent.AgentRef;
import dev.era.agents.AgentRuntimeException;

/** Which agents this process may tick, and the epoch its commits must carry. */
interface Fencing {
    /** A store owned by one process: no leases, fence 0, nothing checked. */
    Fencing NONE = new Fencing() {
        @Override
        public long fenceFor(AgentRef agent) {
            return 0;
        }

        @Override
        public boolean owns(AgentRef agent) {
            return true;
        }

        @Override
        public boolean enforced() {
            return false;
        }

        @Override
        public String token() {
            return "";
        }

        @Override
        public int partition(AgentRef agent) {
            return 0;
        }
    };

    /**
     * The epoch of the lease under which this process holds {@code agent}'s partition right now.
     *
     * @throws AgentRuntimeException.NotOwner when it holds no valid lease for it
     */
    long fenceFor(AgentRef agent);

    /** Whether this process holds a valid lease for the agent's partition now. */
    boolean owns(AgentRef agent);

    /** Whether commits are checked against the lease table. */
    boolean enforced();

    /** This process's lease owner token (node id and incarnation). */
    String token();

    int partition(AgentRef agent);
}
