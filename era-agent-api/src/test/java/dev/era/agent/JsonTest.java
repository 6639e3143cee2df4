package dev.era.agent;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    @Test
    void writesWhatItParsesAndKeepsFieldOrder() {
        String text = "{\"b\":1,\"a\":[true,false,null,\"x\\\"y\\n\\u0001\"],\"c\":{\"d\":-1.5e3}}";
        assertThat(Json.parse(text).toString()).isEqualTo(text);
    }

    @Test
    void keepsSixtyFourBitIntegersExact() {
        Json.Obj o = (Json.Obj) Json.parse("{\"id\":9007199254740993}");
        assertThat(o.number("id", 0)).isEqualTo(9007199254740993L);
    }

    @Test
    void buildsObjectsWithoutChangingTheOriginal() {
        Json.Obj empty = Json.object();
        Json.Obj one = empty.with("n", 1).with("s", "x").with("t", true);
        assertThat(empty.fields()).isEmpty();
        assertThat(one.toString()).isEqualTo("{\"n\":1,\"s\":\"x\",\"t\":true}");
        assertThat(one.string("missing", "dflt")).isEqualTo("dflt");
        assertThat(one.arr("missing").size()).isZero();
        assertThat(Json.array(List.of(Json.of(1), Json.of("a"))).with(Json.of(2.5)).toString()).isEqualTo("[1,\"a\",2.5]");
    }

    @Test
    void decodesUnicodeEscapesAndSurrogatePairs() {
        assertThat(((Json.Str) Json.parse("\"\\u00e9\\ud83d\\ude00\"")).value()).isEqualTo("é😀");
    }

    @Test
    void refusesMalformedJsonNamingTheOffset() {
        assertThatThrownBy(() -> Json.parse("{\"a\":01}")).hasMessageContaining("offset 6");
        assertThatThrownBy(() -> Json.parse("[1,]")).hasMessageContaining("offset 3");
        assertThatThrownBy(() -> Json.parse("{\"a\":1} x")).hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> Json.parse("\"abc")).hasMessageContaining("not closed");
        assertThatThrownBy(() -> new Json.Num("1.")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.of(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesDocumentsNestedTooDeep() {
        String deep = "[".repeat(JsonParser.MAX_DEPTH + 1) + "]".repeat(JsonParser.MAX_DEPTH + 1);
        assertThatThrownBy(() -> Json.parse(deep)).hasMessageContaining("deeper than");
    }

    @Test
    void jsonStateCodecRoundTrips() {
        record Point(long x, String label) {
        }
        StateCodec<Point> codec = StateCodec.json(p -> Json.object().with("x", p.x()).with("label", p.label()),
                j -> new Point(((Json.Obj) j).number("x", 0), ((Json.Obj) j).string("label", "")));
        Point p = new Point(42, "answer");
        assertThat(codec.decode(codec.encode(p))).isEqualTo(p);
    }
}
