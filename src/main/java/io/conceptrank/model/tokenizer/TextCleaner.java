package io.conceptrank.model.tokenizer;

/**
 * CLIP's prompt clean-up with Python's semantics: {@code html.unescape} twice, every run of whitespace
 * to one space, strip, then {@code str.lower()}. ftfy is left out, as in the fixtures.
 */
final class TextCleaner {

    /** Word_Break MidLetter, MidNumLet and Single_Quote: case-ignorable besides the general categories. */
    private static final String MID_WORD =
            "'.:\u00b7\u0387\u055f\u05f4\u2018\u2019\u2024\u2027\ufe13\ufe52\ufe55\uff07\uff0e\uff1a";

    private TextCleaner() {
    }

    static String clean(String text) {
        return lower(collapseWhitespace(HtmlEntities.unescape(HtmlEntities.unescape(text))));
    }

    /** The regex module's {@code \s}: Unicode White_Space (U+00A0 and U+3000 are in, U+200B is not). */
    static boolean isWhiteSpace(char c) {
        return (c >= '\t' && c <= '\r') || c == '\u0085' || Character.isSpaceChar(c);
    }

    /** Python's {@code str.isspace}, used by {@code strip()}: White_Space plus U+001C..U+001F. */
    static boolean isSpace(char c) {
        return isWhiteSpace(c) || (c >= '\u001c' && c <= '\u001f');
    }

    /** {@code regex.sub(r"\s+", " ", text).strip()}: so U+001C..U+001F go only at the ends. */
    private static String collapseWhitespace(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(text.charAt(end - 1))) {
            end--;
        }
        StringBuilder out = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (!isWhiteSpace(c)) {
                out.append(c);
            } else if (!isWhiteSpace(text.charAt(i - 1))) {
                out.append(' ');
            }
        }
        return out.toString();
    }

    /**
     * Python's full lowercase. Java's {@code toLowerCase} differs in when a capital sigma is final (it
     * uses word boundaries, Python the Unicode Final_Sigma rule), so both special cases are done here.
     */
    static String lower(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp == 0x130) {
                out.append("i\u0307"); // the one unconditional multi-char lowercase mapping
            } else if (cp == 0x3A3) {
                out.append(isFinalSigma(text, i) ? '\u03c2' : '\u03c3');
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** Final_Sigma: a cased letter before it and none after it, looking past case-ignorable chars. */
    private static boolean isFinalSigma(String text, int index) {
        return casedBefore(text, index) && !casedAfter(text, index + 1);
    }

    private static boolean casedBefore(String text, int i) {
        while (i > 0) {
            int cp = text.codePointBefore(i);
            if (!isCaseIgnorable(cp)) {
                return isCased(cp);
            }
            i -= Character.charCount(cp);
        }
        return false;
    }

    private static boolean casedAfter(String text, int i) {
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (!isCaseIgnorable(cp)) {
                return isCased(cp);
            }
            i += Character.charCount(cp);
        }
        return false;
    }

    private static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    private static boolean isCaseIgnorable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT,
                    Character.MODIFIER_LETTER, Character.MODIFIER_SYMBOL -> true;
            default -> MID_WORD.indexOf(cp) >= 0;
        };
    }
}
