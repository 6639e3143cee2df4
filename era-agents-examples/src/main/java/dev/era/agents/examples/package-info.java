/**
 * Example agents. Each depends on {@code dev.era.agent} only and uses no reflection, so the same
 * classes run on the Local backend (see the tests) and compile to JavaScript with TeaVM
 * (see era-agents-teavm).
 */
package dev.era.agents.examples;
