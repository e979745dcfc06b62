package io.conceptrank.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ClipTokenizerPlaceholderTest {

    private ClipTokenizer tokenizer;

    @BeforeEach
    void setUp() {
        tokenizer = ClipTokenizer.loadDefault();
    }

    private int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void placeholdersGetIdsAfterTheVocabulary() {
        assertThat(tokenizer.vocabSize()).isEqualTo(49408);
        assertThat(tokenizer.addPlaceholder("<S*>")).isEqualTo(49408);
        assertThat(tokenizer.addPlaceholder("sks-dog")).isEqualTo(49409);
        assertThat(tokenizer.vocabSize()).isEqualTo(49410);
        assertThat(tokenizer.placeholders()).containsExactly("<S*>", "sks-dog");
        assertThat(tokenizer.isPlaceholder(49407)).isFalse();
        assertThat(tokenizer.isPlaceholder(49408)).isTrue();
        assertThat(tokenizer.isPlaceholder(49409)).isTrue();
        assertThat(tokenizer.isPlaceholder(49410)).isFalse();
        assertThat(tokenizer.token(49409)).isEqualTo("sks-dog");
    }

    @Test
    void addingAgainReturnsTheSameId() {
        int id = tokenizer.addPlaceholder("<S*>");
        assertThat(tokenizer.addPlaceholder("<S*>")).isEqualTo(id);
        assertThat(tokenizer.addPlaceholder("<s*>")).isEqualTo(id);
        assertThat(tokenizer.vocabSize()).isEqualTo(id + 1);
        assertThat(tokenizer.placeholders()).containsExactly("<S*>");
    }

    @Test
    void placeholderIsOneTokenWherever() {
        int p = tokenizer.addPlaceholder("<S*>");
        assertThat(tokenizer.encode("a photo of <S*>"))
                .containsExactly(concat(tokenizer.encode("a photo of"), new int[] {p}));
        assertThat(tokenizer.encode("a photo of <S*>'s toy"))
                .containsExactly(concat(tokenizer.encode("a photo of"), new int[] {p}, tokenizer.encode("'s toy")));
        assertThat(tokenizer.encode("(<S*>),"))
                .containsExactly(concat(tokenizer.encode("("), new int[] {p}, tokenizer.encode("),")));
        assertThat(tokenizer.encode("xyz<S*>abc"))
                .containsExactly(concat(tokenizer.encode("xyz"), new int[] {p}, tokenizer.encode("abc")));
        assertThat(tokenizer.encode("<S*><S*>")).containsExactly(p, p);
        assertThat(tokenizer.encode("<S*><|endoftext|>")).containsExactly(p, tokenizer.endId());
    }

    @Test
    void matchingIgnoresCase() {
        int p = tokenizer.addPlaceholder("<S*>");
        int q = tokenizer.addPlaceholder("SKS-Dog");
        int[] expected = concat(tokenizer.encode("a photo of"), new int[] {p});
        assertThat(tokenizer.encode("A PHOTO OF <s*>")).containsExactly(expected);
        assertThat(tokenizer.encode("a photo of <S*>")).containsExactly(expected);
        assertThat(tokenizer.encode("sks-dog")).containsExactly(q);
        assertThat(tokenizer.encode("SKS-DOG")).containsExactly(q);
    }

    @Test
    void longestPlaceholderWins() {
        int sks = tokenizer.addPlaceholder("sks");
        int sksDog = tokenizer.addPlaceholder("sks-dog");
        assertThat(tokenizer.encode("sks-dog")).containsExactly(sksDog);
        assertThat(tokenizer.encode("sks dog")).containsExactly(concat(new int[] {sks}, tokenizer.encode("dog")));
    }

    @Test
    void decodesBackToThePlaceholder() {
        int p = tokenizer.addPlaceholder("<S*>");
        assertThat(tokenizer.decode(tokenizer.encode("a photo of <S*> on the beach")))
                .isEqualTo("a photo of <S*> on the beach ");
        assertThat(tokenizer.bpeTokens("<S*>'s toy")).containsExactly("<S*>", "'s</w>", "toy</w>");
        assertThat(tokenizer.decode(new int[] {p})).isEqualTo("<S*> ");
    }

    @Test
    void tokenizePoolsAtTheEndTokenNotTheLargestId() {
        int p = tokenizer.addPlaceholder("<S*>");
        TokenizedPrompt prompt = tokenizer.tokenize("a photo of <S*>");
        assertThat(prompt.ids()).hasSize(77);
        assertThat(prompt.ids()[4]).isEqualTo(p);
        assertThat(prompt.count()).isEqualTo(6);
        assertThat(prompt.endIndex()).isEqualTo(5);
        assertThat(prompt.ids()[5]).isEqualTo(tokenizer.endId());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "a b", "<S*>\t", "\u00a0x", "x\u3000", "\u001cx", "&amp;", "&lt;s&gt;",
            "<|endoftext|>", "<|STARTOFTEXT|>"})
    void rejectsBadPlaceholders(String token) {
        assertThatThrownBy(() -> tokenizer.addPlaceholder(token))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching(".*(empty|whitespace|HTML|special token).*");
        assertThat(tokenizer.vocabSize()).isEqualTo(49408);
    }

    @Test
    void rejectsIdsOutsideTheVocabulary() {
        assertThatThrownBy(() -> tokenizer.decode(new int[] {49408})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.decode(new int[] {-1})).isInstanceOf(IllegalArgumentException.class);
        tokenizer.addPlaceholder("<S*>");
        assertThat(tokenizer.decode(new int[] {49408})).isEqualTo("<S*> ");
    }

    @Test
    void padIdAndContextLength() {
        TokenizedPrompt hf = tokenizer.tokenize("a photo of a dog", 77, tokenizer.endId());
        assertThat(hf.count()).isEqualTo(7);
        assertThat(hf.endIndex()).isEqualTo(6);
        assertThat(IntStream.of(hf.ids()).skip(6)).containsOnly(tokenizer.endId());

        TokenizedPrompt shortContext = tokenizer.tokenize("a photo of a dog on the beach at sunset", 8);
        assertThat(shortContext.ids()).hasSize(8);
        assertThat(shortContext.truncated()).isTrue();
        assertThat(shortContext.count()).isEqualTo(8);
        assertThat(shortContext.untruncatedCount()).isEqualTo(12);
        assertThat(shortContext.endIndex()).isEqualTo(7);
        assertThat(shortContext.ids()[7]).isEqualTo(tokenizer.endId());

        assertThatThrownBy(() -> tokenizer.tokenize("a", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokenizer.tokenize("a", 77, 49408)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentTokenizingWhilePlaceholdersAreAdded() throws Exception {
        List<String> texts = ClipTokenizerFixtures.cases().stream().map(ClipTokenizerFixtures.Case::text).toList();
        List<int[]> expected = texts.stream().map(t -> tokenizer.tokenize(t).ids()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int worker = 0; worker < 4; worker++) {
                results.add(pool.submit(() -> {
                    int mismatches = 0;
                    for (int round = 0; round < 5; round++) {
                        for (int i = 0; i < texts.size(); i++) {
                            if (!Arrays.equals(tokenizer.tokenize(texts.get(i)).ids(), expected.get(i))) {
                                mismatches++;
                            }
                        }
                    }
                    return mismatches;
                }));
            }
            for (int i = 0; i < 50; i++) {
                tokenizer.addPlaceholder("<p" + i + ">");
            }
            for (Future<Integer> result : results) {
                assertThat(result.get()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(tokenizer.vocabSize()).isEqualTo(49408 + 50);
        assertThat(tokenizer.encode("<p7>")).containsExactly(49408 + 7);
    }
}
