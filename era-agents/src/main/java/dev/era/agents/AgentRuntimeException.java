package dev.era.agents;

import java.util.Map;

/**
 * Root of the agent runtime's exceptions. Each subclass is one kind of failure with one HTTP
 * status (see {@link #status()}), so a host maps them in one place; the message says what to do
 * and {@link #details()} carries the ids and numbers behind it.
 */
public abstract sealed class AgentRuntimeException extends RuntimeException
        permits AgentRuntimeException.UnknownAgentType, AgentRuntimeException.InvalidRequest,
        AgentRuntimeException.TickFailed, AgentRuntimeException.Overloaded, AgentRuntimeException.Closed,
        AgentRuntimeException.ConnectionRefused, AgentRuntimeException.StoreFailed,
        AgentRuntimeException.NotOwner, AgentRuntimeException.RemoteFailure {

    private final Map<String, Object> details;

    AgentRuntimeException(String message, Map<String, ?> details, Throwable cause) {
        super(message, cause);
        this.details = Map.copyOf(details);
    }

    /** A stable machine-readable code, such as {@code tick_failed}. */
    public abstract String code();

    /** The HTTP status a host answers with. */
    public abstract int status();

    public Map<String, Object> details() {
        return details;
    }

    /** No agent type of that name is registered; HTTP 404. */
    public static final class UnknownAgentType extends AgentRuntimeException {
        UnknownAgentType(String message, Map<String, ?> details) {
            super(message, details, null);
        }

        @Override
        public String code() {
            return "unknown_agent_type";
        }

        @Override
        public int status() {
            return 404;
        }
    }

    /** A malformed agent id, type or argument; HTTP 400. */
    public static final class InvalidRequest extends AgentRuntimeException {
        InvalidRequest(String message, Map<String, ?> details, Throwable cause) {
            super(message, details, cause);
        }

        @Override
        public String code() {
            return "invalid_agent_request";
        }

        @Override
        public int status() {
            return 400;
        }
    }

    /**
     * The tick failed on every attempt (the agent threw, ran over the time limit, or its commit
     * failed) and the trigger was dead-lettered; HTTP 500, as it is a bug in the agent or a broken store.
     */
    public static final class TickFailed extends AgentRuntimeException {
        TickFailed(String message, Map<String, ?> details, Throwable cause) {
            super(message, details, cause);
        }

        @Override
        public String code() {
            return "tick_failed";
        }

        @Override
        public int status() {
            return 500;
        }
    }

    /** The agent's mailbox is full; HTTP 429: slow down and retry. */
    public static final class Overloaded extends AgentRuntimeException {
        Overloaded(String message, Map<String, ?> details) {
            super(message, details, null);
        }

        @Override
        public String code() {
            return "agent_overloaded";
        }

        @Override
        public int status() {
            return 429;
        }
    }

    /** The runtime is closed or closing; HTTP 503. */
    public static final class Closed extends AgentRuntimeException {
        Closed(String message, Map<String, ?> details) {
            super(message, details, null);
        }

        @Override
        public String code() {
            return "agent_runtime_closed";
        }

        @Override
        public int status() {
            return 503;
        }
    }

    /** The agent refused a connection (its Connect tick answered 400 or more); the agent's status is in the details. */
    public static final class ConnectionRefused extends AgentRuntimeException {
        private final int agentStatus;

        ConnectionRefused(String message, int agentStatus, Map<String, ?> details) {
            super(message, details, null);
            this.agentStatus = agentStatus;
        }

        @Override
        public String code() {
            return "connection_refused";
        }

        @Override
        public int status() {
            return agentStatus >= 400 && agentStatus < 600 ? agentStatus : 403;
        }
    }

    /** The store could not read or write; HTTP 500. Public so that store implementations throw it too. */
    public static final class StoreFailed extends AgentRuntimeException {
        public StoreFailed(String message, Map<String, ?> details, Throwable cause) {
            super(message, details, cause);
        }

        @Override
        public String code() {
            return "agent_store_failed";
        }

        @Override
        public int status() {
            return 500;
        }
    }

    /**
     * This process does not own the agent (the Server backend: another node holds its ownership
     * lease, or this node's lease lapsed or was taken over); HTTP 503. Nothing of the tick was
     * committed, so the trigger may be sent again, to the owner. Public so that stores throw it.
     */
    public static final class NotOwner extends AgentRuntimeException {
        public NotOwner(String message, Map<String, ?> details) {
            super(message, details, null);
        }

        @Override
        public String code() {
            return "agent_not_owned";
        }

        @Override
        public int status() {
            return 503;
        }
    }

    /**
     * A call forwarded to the node that owns the agent failed there, or that node did not answer
     * (code {@code agent_owner_unreachable}, HTTP 504: the tick may or may not have happened).
     * Carries the owner's code and status, so a host maps it like the local failure.
     */
    public static final class RemoteFailure extends AgentRuntimeException {
        private final String code;
        private final int status;

        public RemoteFailure(String message, String code, int status, Map<String, ?> details, Throwable cause) {
            super(message, details, cause);
            this.code = code;
            this.status = status;
        }

        @Override
        public String code() {
            return code;
        }

        @Override
        public int status() {
            return status;
        }
    }
}
