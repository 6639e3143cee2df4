package dev.era.agent;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small immutable JSON tree, so that agents can keep JSON state on every backend without a
 * JSON library (which would need reflection, out of reach of TeaVM). {@link #parse} reads
 * strict JSON (RFC 8259); {@link #toString()} writes compact JSON.
 * <pre>{@code
 * Json j = Json.object().with("count", 3).with("name", "ada");
 * long count = ((Json.Obj) Json.parse(text)).number("count", 0);
 * }</pre>
 */
public sealed interface Json {
    /** Parses one JSON value; throws {@link IllegalArgumentException} naming the offset of the first error. */
    static Json parse(String text) {
        return new JsonParser(text).parseDocument();
    }

    static Obj object() {
        return Obj.EMPTY;
    }

    static Arr array(List<Json> items) {
        return new Arr(items);
    }

    static Str of(String value) {
        return new Str(value);
    }

    static Num of(long value) {
        return new Num(Long.toString(value));
    }

    static Num of(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("JSON has no number for " + value);
        }
        return new Num(Double.toString(value));
    }

    static Bool of(boolean value) {
        return value ? Bool.TRUE : Bool.FALSE;
    }

    /** An object; keeps its fields in insertion order. */
    record Obj(Map<String, Json> fields) implements Json {
        static final Obj EMPTY = new Obj(Map.of());

        public Obj {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        /** A copy with {@code name} set to {@code value}. */
        public Obj with(String name, Json value) {
            Map<String, Json> copy = new LinkedHashMap<>(fields);
            copy.put(name, value);
            return new Obj(copy);
        }

        public Obj with(String name, String value) {
            return with(name, Json.of(value));
        }

        public Obj with(String name, long value) {
            return with(name, Json.of(value));
        }

        public Obj with(String name, boolean value) {
            return with(name, Json.of(value));
        }

        public Optional<Json> get(String name) {
            return Optional.ofNullable(fields.get(name));
        }

        /** The string field {@code name}, or {@code otherwise} when it is missing or not a string. */
        public String string(String name, String otherwise) {
            return fields.get(name) instanceof Str s ? s.value() : otherwise;
        }

        public long number(String name, long otherwise) {
            return fields.get(name) instanceof Num n ? n.asLong() : otherwise;
        }

        public boolean bool(String name, boolean otherwise) {
            return fields.get(name) instanceof Bool b ? b.value() : otherwise;
        }

        /** The object field {@code name}, or an empty object. */
        public Obj obj(String name) {
            return fields.get(name) instanceof Obj o ? o : EMPTY;
        }

        /** The array field {@code name}, or an empty array. */
        public Arr arr(String name) {
            return fields.get(name) instanceof Arr a ? a : Arr.EMPTY;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            JsonParser.write(this, b);
            return b.toString();
        }
    }

    record Arr(List<Json> items) implements Json {
        static final Arr EMPTY = new Arr(List.of());

        public Arr {
            items = List.copyOf(items);
        }

        /** A copy with {@code item} appended. */
        public Arr with(Json item) {
            List<Json> copy = new ArrayList<>(items);
            copy.add(item);
            return new Arr(copy);
        }

        public int size() {
            return items.size();
        }

        public Json get(int index) {
            return items.get(index);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            JsonParser.write(this, b);
            return b.toString();
        }
    }

    record Str(String value) implements Json {
        public Str {
            if (value == null) {
                throw new IllegalArgumentException("A JSON string needs a value; use Json.Null for null");
            }
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            JsonParser.write(this, b);
            return b.toString();
        }
    }

    /** A number, kept as its literal so that 64-bit integers survive (a double would round them). */
    record Num(String literal) implements Json {
        public Num {
            JsonParser.checkNumber(literal);
        }

        public long asLong() {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                return (long) Double.parseDouble(literal);
            }
        }

        public double asDouble() {
            return Double.parseDouble(literal);
        }

        @Override
        public String toString() {
            return literal;
        }
    }

    record Bool(boolean value) implements Json {
        static final Bool TRUE = new Bool(true);
        static final Bool FALSE = new Bool(false);

        @Override
        public String toString() {
            return Boolean.toString(value);
        }
    }

    record Null() implements Json {
        public static final Null NULL = new Null();

        @Override
        public String toString() {
            return "null";
        }
    }
}
