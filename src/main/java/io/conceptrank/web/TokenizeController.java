package io.conceptrank.web;

import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.model.tokenizer.TokenizedPrompt;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.util.Arrays;
import java.util.List;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The prompt box's token counter. */
@RestController
public class TokenizeController {

    /** Request body: the prompt text. */
    public record TokenizeRequest(@NotNull String text) {}

    /** The 77 ids as the text encoder sees them, how many are used, and whether the prompt was cut. */
    public record TokenizeResponse(List<Integer> ids, int count, boolean truncated) {}

    private final ClipTokenizer tokenizer;

    public TokenizeController(ClipTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @PostMapping("/api/tokenize")
    @Operation(summary = "Tokenize a prompt with the CLIP tokenizer (77 ids, start and end tokens included)")
    public TokenizeResponse tokenize(@Valid @RequestBody TokenizeRequest request) {
        TokenizedPrompt prompt = tokenizer.tokenize(request.text());
        return new TokenizeResponse(Arrays.stream(prompt.ids()).boxed().toList(), prompt.count(), prompt.truncated());
    }
}
