package dev.era.agent;

/**
 * An agent type's behaviour. The runtime creates instances through the factory given at
 * registration and may create and drop them at any time (hibernation, a restart, another node
 * taking over): keep everything that must last in {@link AgentContext#setState state}, the
 * {@link AgentContext#kv() KV store} or {@link AgentContext#alarms() alarms}, never in fields.
 * <p>
 * The runtime calls {@link #onTrigger} for one trigger at a time per agent id, never two at
 * once, so an implementation needs no locks. A tick that throws is rolled back (state, KV,
 * alarms, messages and replies all discarded) and its trigger retried, then dead-lettered.
 *
 * @param <S> the state type; treat a state object as immutable and replace it with
 *            {@link AgentContext#setState}, because only what is set is saved
 */
public interface Agent<S> {
    /** The state of an agent that has never committed one. */
    S initialState();

    /** How the state is stored; {@link StateCodec#json} keeps it readable in admin views. */
    StateCodec<S> stateCodec();

    /**
     * Handles one trigger. Must not block: a tick longer than the runtime's maximum tick
     * duration is interrupted and rolled back. Everything done through {@code ctx} takes effect
     * only if the tick returns normally and its changes commit.
     *
     * @return the reply for the trigger's sender ({@link TickResult#ok()} when there is none)
     */
    TickResult onTrigger(AgentContext<S> ctx, Trigger trigger);
}
