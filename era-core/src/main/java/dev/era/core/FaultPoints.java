package dev.era.core;

/**
 * The phase boundaries of the lifecycle, where a test can make the daemon die: after an intent is
 * stored and before its engine call ({@code intent}), and after an engine call returned and before
 * its outcome is stored ({@code result}). The daemon arms them from its configuration; everything
 * else passes {@link #NONE}.
 */
public interface FaultPoints {
    FaultPoints NONE = boundary -> { };

    /** Called at each boundary, on the deployment's mailbox; an armed implementation may halt the JVM here. */
    void reached(String boundary);
}
