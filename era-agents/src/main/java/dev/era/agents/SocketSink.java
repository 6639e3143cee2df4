package dev.era.agents;

/**
 * The host's side of one client connection (a WebSocket session in era-http, a recording list
 * in tests). The runtime calls it after the commit of the tick that sent, in commit order.
 * <p>
 * Implementations must not block: they run on the runtime's commit-release thread, which all
 * agents share. Queue the frame and return (Jetty's asynchronous send does). A sink that
 * throws is treated as a broken connection: it is closed and the agent gets a Disconnect.
 */
public interface SocketSink {
    void sendText(String text);

    void sendBinary(byte[] data);

    /** Closes the client's connection with a WebSocket close code and reason. */
    void close(int code, String reason);
}
