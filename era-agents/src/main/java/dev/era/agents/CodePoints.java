package dev.era.agents;

import java.util.Comparator;

/** Key order and key checks shared by the KV buffer and the stores. */
final class CodePoints {
    /**
     * Code point order, which is UTF-8 byte order and so SQLite's and Postgres' (C collation)
     * order of keys; {@link String#compareTo} differs for characters above U+FFFF.
     */
    static final Comparator<String> ORDER = CodePoints::compare;

    private CodePoints() {
    }

    static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (x >= 0xD800 && y >= 0xD800) { // move surrogates above U+E000..U+FFFF
                    x = (char) (x >= 0xE000 ? x - 0x800 : x + 0x2000);
                    y = (char) (y >= 0xE000 ? y - 0x800 : y + 0x2000);
                }
                return x - y;
            }
        }
        return a.length() - b.length();
    }

    /** Refuses keys a store could not keep exactly (unpaired surrogates become '?' in UTF-8). */
    static void checkKey(String what, String key, int max) {
        if (key == null || key.isEmpty() || key.length() > max) {
            throw new IllegalArgumentException("A " + what + " must have 1 to " + max + " characters; got "
                    + (key == null ? "none" : key.length()));
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                if (key.codePointAt(i) == Character.MAX_CODE_POINT) {
                    throw new IllegalArgumentException("A " + what + " cannot contain U+10FFFF (it bounds prefix scans)");
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("A " + what + " contains an unpaired surrogate at " + i
                        + "; it would not survive UTF-8 storage");
            }
        }
    }
}
