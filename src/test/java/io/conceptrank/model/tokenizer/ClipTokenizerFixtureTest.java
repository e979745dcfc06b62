package io.conceptrank.model.tokenizer;

import static io.conceptrank.model.tokenizer.ClipTokenizerFixtures.ints;
import static io.conceptrank.model.tokenizer.ClipTokenizerFixtures.strings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import io.conceptrank.model.tokenizer.ClipTokenizerFixtures.Case;

/** Every reference case of the openai/CLIP tokenizer, field by field, with the bundled vocabulary. */
class ClipTokenizerFixtureTest {

    private static final ClipTokenizer TOKENIZER = ClipTokenizer.loadDefault();

    static List<Case> cases() {
        return ClipTokenizerFixtures.cases();
    }

    @Test
    void fixtureHasAllCases() {
        assertThat(cases()).hasSize(328);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesReference(Case c) {
        JsonNode json = c.json();
        String text = c.text();
        String what = "case " + c + " field ";

        assertThat(TextCleaner.clean(text)).as(what + "cleaned").isEqualTo(json.get("cleaned").asString());

        int[] bpeIds = ints(json.get("bpe_ids"));
        assertThat(TOKENIZER.encode(text)).as(what + "bpe_ids").containsExactly(bpeIds);
        assertThat(TOKENIZER.bpeTokens(text)).as(what + "bpe_tokens").containsExactlyElementsOf(strings(json.get("bpe_tokens")));

        TokenizedPrompt prompt = TOKENIZER.tokenize(text);
        int[] ids = ints(json.get("ids"));
        int count = json.get("n_ids").asInt();
        assertThat(prompt.ids()).as(what + "ids").containsExactly(ids);
        assertThat(prompt.count()).as(what + "n_ids").isEqualTo(count);
        assertThat(prompt.truncated()).as(what + "truncated").isEqualTo(json.get("truncated").asBoolean());
        assertThat(prompt.untruncatedCount()).as(what + "n_tokens_untruncated")
                .isEqualTo(json.get("n_tokens_untruncated").asInt());
        assertThat(prompt.endIndex()).as(what + "argmax").isEqualTo(json.get("argmax").asInt());

        assertThat(TOKENIZER.decode(bpeIds)).as(what + "decode_bpe").isEqualTo(json.get("decode_bpe").asString());
        assertThat(TOKENIZER.decode(Arrays.copyOf(ids, count))).as(what + "decode_ids")
                .isEqualTo(json.get("decode_ids").asString());
        assertThat(TOKENIZER.decode(ids)).as(what + "decode_ids_padded")
                .isEqualTo(json.get("decode_ids_padded").asString());
    }
}
