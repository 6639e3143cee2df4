package dev.era.agent;

import java.util.function.Supplier;

/**
 * A set of agent types shipped together (a jar), found by the host with
 * {@code java.util.ServiceLoader} (a {@code META-INF/services/dev.era.agent.AgentPackage} file
 * naming the implementation). The daemon registers every package on its class path; a backend
 * without ServiceLoader (the TeaVM ones) calls {@link #register} itself.
 */
public interface AgentPackage {
    /** Where a package registers its types. */
    @FunctionalInterface
    interface Types {
        /** {@code factory} makes a fresh instance each time an agent of {@code type} wakes. */
        void add(String type, Supplier<? extends Agent<?>> factory);
    }

    void register(Types types);
}
