package io.conceptrank.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The Hugging Face vocab.json + merges.txt pair and the merges .txt.gz path give the same tokenizer. */
class ClipTokenizerHuggingFaceTest {

    private static final ClipTokenizer DEFAULT = ClipTokenizer.loadDefault();

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeFolder() throws IOException {
        DEFAULT.saveHuggingFace(dir);
    }

    @Test
    void writesTheHuggingFaceFormat() throws IOException {
        List<String> merges = Files.readAllLines(dir.resolve("merges.txt"), StandardCharsets.UTF_8);
        assertThat(merges.get(0)).isEqualTo("#version: 0.2");
        Path gz = ClipTokenizerFixtures.dir().resolve("bpe_simple_vocab_16e6.txt.gz");
        try (BufferedReader reference = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
            reference.readLine();
            assertThat(merges).hasSize(1 + 48894);
            for (int i = 1; i < merges.size(); i++) {
                assertThat(merges.get(i)).as("merges.txt line %d", i).isEqualTo(reference.readLine());
            }
        }

        Map<String, Integer> vocab = JsonMapper.shared()
                .readValue(dir.resolve("vocab.json"), new TypeReference<Map<String, Integer>>() { });
        assertThat(vocab).hasSize(49408)
                .containsEntry("!", 0)
                .containsEntry("<|startoftext|>", 49406)
                .containsEntry("<|endoftext|>", 49407);
        vocab.forEach((token, id) -> assertThat(DEFAULT.token(id)).isEqualTo(token));
    }

    @Test
    void huggingFaceFolderTokenizesLikeTheDefault() throws IOException {
        assertSameAsDefault(ClipTokenizer.fromHuggingFace(dir));
    }

    @Test
    void mergesGzPathTokenizesLikeTheDefault() throws IOException {
        assertSameAsDefault(ClipTokenizer.fromMergesGz(ClipTokenizerFixtures.dir().resolve("bpe_simple_vocab_16e6.txt.gz")));
    }

    private static void assertSameAsDefault(ClipTokenizer loaded) {
        assertThat(loaded.vocabSize()).isEqualTo(DEFAULT.vocabSize());
        assertThat(loaded.startId()).isEqualTo(49406);
        assertThat(loaded.endId()).isEqualTo(49407);
        for (ClipTokenizerFixtures.Case c : ClipTokenizerFixtures.cases()) {
            assertThat(loaded.tokenize(c.text()).ids()).as("case %s", c)
                    .containsExactly(ClipTokenizerFixtures.ints(c.json().get("ids")));
            assertThat(loaded.bpeTokens(c.text())).as("case %s", c).isEqualTo(DEFAULT.bpeTokens(c.text()));
            assertThat(loaded.decode(loaded.encode(c.text()))).as("case %s", c)
                    .isEqualTo(c.json().get("decode_bpe").asString());
        }
    }

    @Test
    void rejectsVocabularyWithGaps(@TempDir Path broken) throws IOException {
        Files.writeString(broken.resolve("vocab.json"), "{\"a\": 0, \"b\": 2}");
        Files.writeString(broken.resolve("merges.txt"), "#version: 0.2\n");
        assertThatThrownBy(() -> ClipTokenizer.fromHuggingFace(broken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocab.json ids");
    }
}
