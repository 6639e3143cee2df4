package dev.era.agents;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A client's end of a connection that keeps what it received. */
final class RecordingSink implements SocketSink {
    final List<String> frames = new CopyOnWriteArrayList<>();
    volatile String closed = "";

    @Override
    public void sendText(String text) {
        frames.add(text);
    }

    @Override
    public void sendBinary(byte[] data) {
        frames.add("bytes:" + data.length);
    }

    @Override
    public void close(int code, String reason) {
        closed = code + " " + reason;
    }
}
