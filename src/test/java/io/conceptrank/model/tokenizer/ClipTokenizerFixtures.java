package io.conceptrank.model.tokenizer;

import io.conceptrank.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The reference cases of {@code clip-tokenizer/cases.jsonl}, read at test time. */
final class ClipTokenizerFixtures {

    /** One line of cases.jsonl; {@code toString} names it in test reports. */
    record Case(int line, String category, String text, JsonNode json) {
        @Override
        public String toString() {
            return "#" + line + " " + category + " " + escape(text);
        }
    }

    private ClipTokenizerFixtures() {
    }

    static Path dir() {
        return Fixtures.root().resolve("clip-tokenizer");
    }

    static List<Case> cases() {
        try {
            List<String> lines = Files.readAllLines(dir().resolve("cases.jsonl"), StandardCharsets.UTF_8);
            return IntStream.range(0, lines.size()).mapToObj(i -> {
                JsonNode json = JsonMapper.shared().readTree(lines.get(i));
                return new Case(i + 1, json.get("category").asString(), json.get("text").asString(), json);
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    static List<String> strings(JsonNode array) {
        return IntStream.range(0, array.size()).mapToObj(i -> array.get(i).asString()).toList();
    }

    /** Control and space characters as escapes, so a failing case is readable. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || Character.getType(cp) == Character.FORMAT
                    || Character.isSpaceChar(cp) && cp != ' ') {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.length() > 80 ? out.substring(0, 77) + "..." : out.toString();
    }
}
