package io.conceptrank.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Python corner cases beyond the fixture. Expected values come from CPython 3.11 ({@code html.unescape},
 * {@code str.lower}, {@code bytes.decode(errors="replace")}) and the regex module.
 */
class ClipTokenizerTextCleanupTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "&ampx|&x",                      // longest legacy prefix without ';'
            "&eacute|\u00e9",
            "&notit;|\u00acit;",
            "&Amp;|&Amp;",                   // names are case-sensitive
            "&amp;amp;|&amp;",               // one level per call
            "&NotNestedGreaterGreater;|\u2aa2\u0338",
            "&#X41;|A",
            "&#x1F600|\ud83d\ude00",
            "&#0;|\ufffd",
            "&#128;|\u20ac",                 // windows-1252 range
            "&#55296;|\ufffd",               // surrogate
            "&#x110000;|\ufffd",
            "&#99999999999999999999;|\ufffd",
            "&#65535;|''",                   // noncharacter: dropped
            "&#11;|''",
    })
    void unescapesLikePython(String text, String expected) {
        assertThat(HtmlEntities.unescape(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\u0391\u03a31\u0392|\u03b1\u03c21\u03b2",       // digit is not case-ignorable: final sigma
            "\u0391\u03a3.\u0392|\u03b1\u03c3.\u03b2",       // '.' is case-ignorable: not final
            "\u0391\u03a3\u0301|\u03b1\u03c2\u0301",
            "\u03a3|\u03c3",
            "\u0130|i\u0307",
            "\u01c5|\u01c6",
            "\u1e9e|\u00df",
    })
    void lowercasesLikePython(String text, String expected) {
        assertThat(TextCleaner.lower(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a\u001cb|a\u001cb",             // str.isspace but not regex \s: kept inside ...
            "'\u001ca \u001c'|a",              // ... stripped at the ends
            "a\u200bb|a\u200bb",
            "a\u00a0\u3000b|a b",
            "a\u0085b|a b",
            "' A\t\u2003B '|a b",
            "a &nbsp; b|a b",
    })
    void cleansLikeClip(String text, String expected) {
        assertThat(TextCleaner.clean(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "ED A0 80|\ufffd\ufffd\ufffd",
            "F0 9F 90|\ufffd",
            "E2 82 AC FF|\u20ac\ufffd",
            "F0 9F 98 80|\ud83d\ude00",
    })
    void decodesUtf8LikePython(String hex, String expected) {
        String[] parts = hex.split(" ");
        byte[] bytes = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        assertThat(ByteUnicode.decodeUtf8(bytes)).isEqualTo(expected);
    }
}
