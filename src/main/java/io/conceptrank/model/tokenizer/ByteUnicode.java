package io.conceptrank.model.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The GPT-2/CLIP byte-to-unicode table. Every byte gets a printable, non-space char, so that BPE can
 * work on strings of UTF-8 bytes and the merges file can separate tokens with a space.
 */
final class ByteUnicode {

    /** The 256 byte chars in the reference's dict order (printable bytes first); the vocabulary starts with them. */
    static final String CHARS;

    /** All byte chars are below this: the highest is U+0143. */
    static final int CHAR_LIMIT = 256 + 68;

    private static final char[] CHAR_OF_BYTE = new char[256];
    /** Byte of each char below {@link #CHAR_LIMIT}; -1 where unmapped. */
    private static final int[] BYTE_OF_CHAR = new int[CHAR_LIMIT];

    static {
        StringBuilder order = new StringBuilder(256);
        for (int b = 0; b < 256; b++) {
            if (printable(b)) {
                CHAR_OF_BYTE[b] = (char) b;
                order.append((char) b);
            }
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            if (!printable(b)) {
                CHAR_OF_BYTE[b] = (char) next++;
                order.append(CHAR_OF_BYTE[b]);
            }
        }
        CHARS = order.toString();
        Arrays.fill(BYTE_OF_CHAR, -1);
        for (int b = 0; b < 256; b++) {
            BYTE_OF_CHAR[CHAR_OF_BYTE[b]] = b;
        }
    }

    private ByteUnicode() {
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The UTF-8 bytes of {@code text}, one char per byte. (Lone surrogates become '?': Java's encoder.) */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            chars[i] = CHAR_OF_BYTE[utf8[i] & 0xFF];
        }
        return new String(chars);
    }

    /** Appends the bytes that the chars of a vocabulary token stand for. */
    static void decode(String token, ByteArrayOutputStream out) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_LIMIT ? BYTE_OF_CHAR[c] : -1;
            if (b < 0) {
                throw new IllegalArgumentException(String.format(
                        "token '%s' has U+%04X, which is not a byte-level BPE char", token, (int) c));
            }
            out.write(b);
        }
    }

    /**
     * Decodes UTF-8 like Python's {@code bytes.decode("utf-8", errors="replace")}: each maximal invalid
     * subsequence becomes one U+FFFD. Java's decoders group some invalid sequences differently.
     */
    static String decodeUtf8(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length);
        int i = 0;
        while (i < bytes.length) {
            int lead = bytes[i++] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                continue;
            }
            int tail;
            int lo = 0x80;
            int hi = 0xBF; // allowed range of the first continuation byte (Unicode table 3-7)
            if (lead >= 0xC2 && lead <= 0xDF) {
                tail = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                tail = 2;
                lo = lead == 0xE0 ? 0xA0 : lo; // no overlong forms
                hi = lead == 0xED ? 0x9F : hi; // no surrogates
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                tail = 3;
                lo = lead == 0xF0 ? 0x90 : lo;
                hi = lead == 0xF4 ? 0x8F : hi; // nothing above U+10FFFF
            } else {
                out.append('\uFFFD');
                continue;
            }
            int codePoint = lead & (0x3F >> tail);
            int read = 0;
            while (read < tail && i < bytes.length) {
                int c = bytes[i] & 0xFF;
                if (c < lo || c > hi) {
                    break;
                }
                codePoint = (codePoint << 6) | (c & 0x3F);
                i++;
                read++;
                lo = 0x80;
                hi = 0xBF;
            }
            if (read == tail) {
                out.appendCodePoint(codePoint);
            } else {
                out.append('\uFFFD');
            }
        }
        return out.toString();
    }
}
