package dev.era.client;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client side of RFC 6455 over the same {@link SocketChannel} transport as every other call, so
 * that it works on the daemon's Unix socket (java.net.http.WebSocket speaks only TCP). Frames sent
 * are masked; fragmented messages are joined; pings are answered; a close is answered and ends the
 * connection. One thread reads ({@link #read()}); any thread may send.
 */
final class WebSocketChannel implements AutoCloseable {
    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    static final int MAX_MESSAGE = 16 << 20;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A whole data message; {@code close} is set (with the peer's code) when the connection ended instead. */
    record Message(boolean binary, byte[] data, int closeCode, String closeReason) {
        boolean close() {
            return closeCode != 0;
        }
    }

    private final SocketChannel channel;
    private final InputStream in;
    private final ReentrantLock sending = new ReentrantLock();
    private volatile boolean closeSent;

    WebSocketChannel(SocketChannel channel, InputStream in) {
        this.channel = channel;
        this.in = in;
    }

    /** A fresh Sec-WebSocket-Key. */
    static String newKey() {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }

    /** The Sec-WebSocket-Accept a server must answer to {@code key}. */
    static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    void sendBinary(byte[] data, int off, int len) throws IOException {
        send(BINARY, data, off, len);
    }

    void sendText(String text) throws IOException {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        send(TEXT, data, 0, data.length);
    }

    void sendPing() throws IOException {
        send(PING, new byte[0], 0, 0);
    }

    /** Starts the closing handshake; the peer's close then ends {@link #read()}. */
    void sendClose(int code, String reason) throws IOException {
        if (closeSent) {
            return;
        }
        byte[] why = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = ByteBuffer.allocate(2 + Math.min(why.length, 123)).putShort((short) code)
                .put(why, 0, Math.min(why.length, 123)).array();
        send(CLOSE, payload, 0, payload.length);
        closeSent = true;
    }

    private void send(int opcode, byte[] data, int off, int len) throws IOException {
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        int headerLength = 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + 4;
        ByteBuffer frame = ByteBuffer.allocate(headerLength + len);
        frame.put((byte) (0x80 | opcode));
        if (len < 126) {
            frame.put((byte) (0x80 | len));
        } else if (len < 65536) {
            frame.put((byte) (0x80 | 126)).putShort((short) len);
        } else {
            frame.put((byte) (0x80 | 127)).putLong(len);
        }
        frame.put(mask);
        for (int i = 0; i < len; i++) {
            frame.put((byte) (data[off + i] ^ mask[i & 3]));
        }
        frame.flip();
        sending.lock();
        try {
            if (closeSent) {
                throw new IOException("the WebSocket is closing");
            }
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
        } finally {
            sending.unlock();
        }
    }

    /**
     * The next data message, answering pings on the way; a close (or the connection ending without
     * one, code 1006) comes back as a message with {@link Message#close()} set.
     */
    Message read() throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        int messageOpcode = -1;
        while (true) {
            int b0 = in.read();
            if (b0 == -1) {
                return new Message(false, new byte[0], 1006, "the connection ended without a close");
            }
            int b1 = readByte();
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0f;
            long len = b1 & 0x7f;
            if (len == 126) {
                len = (readByte() << 8) | readByte();
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | readByte();
                }
            }
            if (len < 0 || len > MAX_MESSAGE || message.size() + len > MAX_MESSAGE) {
                throw new IOException("a WebSocket message larger than " + MAX_MESSAGE + " bytes");
            }
            byte[] mask = null;
            if ((b1 & 0x80) != 0) {
                mask = in.readNBytes(4);
            }
            // read straight into the payload: a large read bypasses the stream's buffer
            byte[] payload = new byte[(int) len];
            if (in.readNBytes(payload, 0, payload.length) != len) {
                throw new EOFException("the connection ended inside a WebSocket frame");
            }
            if (mask != null) {
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
            }
            switch (opcode) {
                case PING -> {
                    if (!closeSent) {
                        send(PONG, payload, 0, payload.length);
                    }
                }
                case PONG -> { } // the server's pings are answered; ours are not sent
                case CLOSE -> {
                    int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                    String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                    try {
                        sendClose(code == 1005 ? 1000 : code, "");
                    } catch (IOException e) {
                        // the peer may already be gone; the close is what matters
                    }
                    return new Message(false, new byte[0], code, reason);
                }
                case TEXT, BINARY, 0x0 -> {
                    if (opcode != 0x0) {
                        messageOpcode = opcode;
                    } else if (messageOpcode == -1) {
                        throw new IOException("a WebSocket continuation frame without a message");
                    }
                    if (fin && message.size() == 0) {
                        return new Message(messageOpcode == BINARY, payload, 0, ""); // unfragmented: no copy
                    }
                    message.write(payload);
                    if (fin) {
                        return new Message(messageOpcode == BINARY, message.toByteArray(), 0, "");
                    }
                }
                default -> throw new IOException("an unknown WebSocket opcode " + opcode);
            }
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b == -1) {
            throw new EOFException("the connection ended inside a WebSocket frame");
        }
        return b;
    }

    @Override
    public void close() {
        Http1.closeQuietly(channel);
    }
}
