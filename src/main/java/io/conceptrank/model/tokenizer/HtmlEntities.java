package io.conceptrank.model.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Python's {@code html.unescape}, rule for rule, since CLIP's clean-up runs it twice on every prompt. */
final class HtmlEntities {

    private static final Pattern CHAR_REF =
            Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    /** What Python gives for &#0; &#13; and &#128;..&#159;: the HTML5 (windows-1252) replacements. */
    private static final String CP1252_80_TO_9F =
            "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f"
                    + "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

    private HtmlEntities() {
    }

    static String unescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = CHAR_REF.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start()).append(replacement(m.group(1)));
            last = m.end();
        }
        return out.append(text, last, text.length()).toString();
    }

    private static String replacement(String ref) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
            String digits = ref.substring(hex ? 2 : 1, ref.endsWith(";") ? ref.length() - 1 : ref.length());
            return numeric(parseCapped(digits, hex ? 16 : 10));
        }
        Map<String, String> named = Named.TABLE;
        String exact = named.get(ref);
        if (exact != null) {
            return exact;
        }
        // The longest known prefix wins, so "&ampx" is "&x" (legacy names work without ';').
        for (int end = ref.length() - 1; end > 1; end--) {
            String value = named.get(ref.substring(0, end));
            if (value != null) {
                return value + ref.substring(end);
            }
        }
        return "&" + ref;
    }

    /** Parses digits, saturating just above U+10FFFF: Python's int has no overflow. */
    private static int parseCapped(String digits, int radix) {
        int value = 0;
        for (int i = 0; i < digits.length(); i++) {
            value = Math.min(value * radix + Character.digit(digits.charAt(i), radix), 0x110000);
        }
        return value;
    }

    private static String numeric(int cp) {
        if (cp == 0) {
            return "\uFFFD";
        }
        if (cp == 0x0D) {
            return "\r";
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            return String.valueOf(CP1252_80_TO_9F.charAt(cp - 0x80));
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return "\uFFFD";
        }
        boolean invalid = (cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
        return invalid ? "" : new String(Character.toChars(cp));
    }

    /** The named references, loaded on first use: most prompts contain no '&'. */
    private static final class Named {
        static final Map<String, String> TABLE = load();

        private static Map<String, String> load() {
            Map<String, String> table = new HashMap<>(4096);
            try (InputStream in = HtmlEntities.class.getResourceAsStream("html5-entities.txt")) {
                if (in == null) {
                    throw new IllegalStateException("html5-entities.txt is missing from the classpath");
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.startsWith("#") || line.isEmpty()) {
                        continue;
                    }
                    int tab = line.indexOf('\t');
                    StringBuilder value = new StringBuilder(2);
                    for (String hex : line.substring(tab + 1).split(" ")) {
                        value.appendCodePoint(Integer.parseInt(hex, 16));
                    }
                    table.put(line.substring(0, tab), value.toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.copyOf(table);
        }
    }
}
