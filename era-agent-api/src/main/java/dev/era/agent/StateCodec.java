package dev.era.agent;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Turns an agent's state into bytes and back. Storage holds the bytes; admin views show them as
 * text when they are UTF-8 JSON, which is why {@link #json} is the recommended codec.
 * <p>
 * {@code decode(encode(s))} must equal {@code s}. A codec must accept what older versions of the
 * agent stored: add fields with defaults rather than renaming them.
 */
public interface StateCodec<S> {
    byte[] encode(S state);

    S decode(byte[] bytes);

    /**
     * JSON through {@link Json}: portable to every backend (no reflection, unlike a JSON
     * library's data binding).
     */
    static <S> StateCodec<S> json(Function<S, Json> write, Function<Json, S> read) {
        return new StateCodec<>() {
            @Override
            public byte[] encode(S state) {
                return write.apply(state).toString().getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public S decode(byte[] bytes) {
                return read.apply(Json.parse(new String(bytes, StandardCharsets.UTF_8)));
            }
        };
    }

    /** A state that is a string, stored as UTF-8. */
    static StateCodec<String> utf8() {
        return new StateCodec<>() {
            @Override
            public byte[] encode(String state) {
                return state.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
        };
    }

    /** A state that is already bytes (a protobuf, a compressed blob): stored as it is. */
    static StateCodec<byte[]> bytes() {
        return new StateCodec<>() {
            @Override
            public byte[] encode(byte[] state) {
                return state.clone();
            }

            @Override
            public byte[] decode(byte[] bytes) {
                return bytes.clone();
            }
        };
    }
}
