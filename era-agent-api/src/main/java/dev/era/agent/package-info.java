/**
 * The agent programming model: an {@link dev.era.agent.Agent} is woken by a
 * {@link dev.era.agent.Trigger}, handles it in one tick through its {@link dev.era.agent.AgentContext},
 * and sleeps. A tick is a transaction and never runs in parallel with another tick of the same
 * agent. Its state lives in storage, not in memory.
 * <p>
 * This package has no dependencies and uses no reflection so that TeaVM can compile agents to
 * JavaScript or WebAssembly for the Browser and Cloudflare backends. Keep it that way: add
 * nothing here that needs {@code java.lang.reflect}, threads or a library.
 */
package dev.era.agent;
