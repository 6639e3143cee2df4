package dev.era.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Strict recursive-descent JSON reader and compact writer for {@link Json}. */
final class JsonParser {
    /** Deeper documents are refused, so that hostile input cannot overflow the stack. */
    static final int MAX_DEPTH = 256;

    private final String s;
    private int pos;
    private int depth;

    JsonParser(String s) {
        if (s == null) {
            throw new IllegalArgumentException("No JSON text to parse");
        }
        this.s = s;
    }

    Json parseDocument() {
        Json v = value();
        skipSpace();
        if (pos != s.length()) {
            throw error("unexpected text after the JSON value");
        }
        return v;
    }

    private Json value() {
        skipSpace();
        if (pos >= s.length()) {
            throw error("the text ends where a value was expected");
        }
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> new Json.Str(string());
            case 't' -> literal("true", Json.Bool.TRUE);
            case 'f' -> literal("false", Json.Bool.FALSE);
            case 'n' -> literal("null", Json.Null.NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    int start = pos;
                    pos = numberEnd(s, pos);
                    if (pos < 0) {
                        pos = start;
                        throw error("a malformed number");
                    }
                    yield new Json.Num(s.substring(start, pos));
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Json object() {
        enter();
        pos++;
        Map<String, Json> fields = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            depth--;
            return new Json.Obj(fields);
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("an object key must be a string");
            }
            String key = string();
            skipSpace();
            expect(':');
            fields.put(key, value());
            skipSpace();
            char c = next();
            if (c == '}') {
                depth--;
                return new Json.Obj(fields);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' in an object");
            }
        }
    }

    private Json array() {
        enter();
        pos++;
        List<Json> items = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            depth--;
            return new Json.Arr(items);
        }
        while (true) {
            items.add(value());
            skipSpace();
            char c = next();
            if (c == ']') {
                depth--;
                return new Json.Arr(items);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' in an array");
            }
        }
    }

    private String string() {
        pos++; // the opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("a string is not closed");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("a control character must be escaped in a string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (pos + 4 > s.length()) {
                        throw error("a \\u escape needs 4 hex digits");
                    }
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(s.charAt(pos++), 16);
                        if (d < 0) {
                            pos--;
                            throw error("a \\u escape needs 4 hex digits");
                        }
                        cp = cp * 16 + d;
                    }
                    b.append((char) cp);
                }
                default -> {
                    pos--;
                    throw error("unknown escape '\\" + e + "'");
                }
            }
        }
    }

    private Json literal(String word, Json value) {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected word");
        }
        pos += word.length();
        return value;
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("the document nests deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private char next() {
        if (pos >= s.length()) {
            throw error("the text ends too early");
        }
        return s.charAt(pos++);
    }

    private void expect(char c) {
        if (next() != c) {
            pos--;
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("Invalid JSON at offset " + pos + ": " + what);
    }

    /** Where the number starting at {@code i} ends, or -1 if it is not a JSON number. */
    static int numberEnd(String s, int i) {
        int n = s.length();
        if (i < n && s.charAt(i) == '-') {
            i++;
        }
        if (i >= n) {
            return -1;
        }
        if (s.charAt(i) == '0') {
            i++;
        } else if (s.charAt(i) >= '1' && s.charAt(i) <= '9') {
            while (i < n && Character.isDigit(s.charAt(i))) {
                i++;
            }
        } else {
            return -1;
        }
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == start) {
                return -1;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int start = i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == start) {
                return -1;
            }
        }
        return i;
    }

    static void checkNumber(String literal) {
        if (literal == null || numberEnd(literal, 0) != literal.length()) {
            throw new IllegalArgumentException("'" + literal + "' is not a JSON number");
        }
    }

    static void write(Json v, StringBuilder b) {
        switch (v) {
            case Json.Obj o -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<String, Json> e : o.fields().entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    quote(e.getKey(), b);
                    b.append(':');
                    write(e.getValue(), b);
                }
                b.append('}');
            }
            case Json.Arr a -> {
                b.append('[');
                for (int i = 0; i < a.items().size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    write(a.items().get(i), b);
                }
                b.append(']');
            }
            case Json.Str str -> quote(str.value(), b);
            case Json.Num num -> b.append(num.literal());
            case Json.Bool bool -> b.append(bool.value());
            case Json.Null ignored -> b.append("null");
        }
    }

    private static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        String hex = Integer.toHexString(c);
                        b.append("\\u");
                        for (int k = hex.length(); k < 4; k++) {
                            b.append('0');
                        }
                        b.append(hex);
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
