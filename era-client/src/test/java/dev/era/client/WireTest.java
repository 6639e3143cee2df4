package dev.era.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WireTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theStreamingParserBuildsTheTreeReadTreeWould() throws IOException {
        List<String> documents = List.of(
                "{\"deployments\":[{\"id\":\"d-1\",\"pid\":4242,\"restarts\":0,\"lastExitCode\":null,\"ok\":true}]}",
                "{\"small\":1,\"long\":9007199254740993,\"big\":123456789012345678901234567890,\"neg\":-7}",
                "{\"cpu\":0.5,\"exp\":1e-3,\"huge\":1.7976931348623157E308}",
                "{\"nested\":{\"a\":[1,[2,[3,{}]],[]],\"b\":{\"c\":\"\\u00e9\\n\\\"q\\\"\"}},\"f\":false}",
                "{\"dup\":1,\"dup\":2}",
                "[]", "\"just text\"", "42", "null",
                "{\"emoji\":\"\uD83D\uDE80\",\"empty\":\"\"}");
        for (String doc : documents) {
            byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);

            assertThat(Wire.parse(bytes)).as(doc).isEqualTo(MAPPER.readTree(bytes));
        }
    }

    @Test
    void anEmptyBodyIsAMissingNodeAndGarbageIsAnIoException() throws IOException {
        assertThat(Wire.parse(new byte[0]).isMissingNode()).isTrue();
        assertThatThrownBy(() -> Wire.parse("{\"a\":".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Wire.parse("<html>".getBytes(StandardCharsets.UTF_8))).isInstanceOf(IOException.class);
    }
}
