package dev.era.agents;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.era.agent.StateCodec;

import java.io.IOException;

/**
 * JSON state through Jackson's data binding: the least code for a JVM-only agent whose state is
 * a record. Not portable: TeaVM (Browser, Cloudflare) cannot run Jackson, so portable agents use
 * {@link StateCodec#json} instead. Needs jackson-databind on the class path (optional dependency).
 */
public final class JacksonStateCodec<S> implements StateCodec<S> {
    private static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();

    private final Class<S> type;

    private JacksonStateCodec(Class<S> type) {
        this.type = type;
    }

    public static <S> StateCodec<S> of(Class<S> type) {
        return new JacksonStateCodec<>(type);
    }

    @Override
    public byte[] encode(S state) {
        try {
            return MAPPER.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new IllegalArgumentException("Could not write the state of type " + type.getName() + " as JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public S decode(byte[] bytes) {
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("The stored state is not a " + type.getSimpleName() + " in JSON: " + e.getMessage()
                    + "; keep the state type's fields compatible with what older versions stored", e);
        }
    }
}
