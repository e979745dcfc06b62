package io.conceptrank.model.tokenizer;

/**
 * A prompt as the text model takes it.
 *
 * @param ids              exactly context-length ids: start, tokens, end, then padding
 * @param count            ids before the padding, start and end included
 * @param truncated        whether start + tokens + end did not fit; the last id is then the end token
 * @param untruncatedCount start + tokens + end before truncation
 * @param endIndex         position of the first end token: where CLIP pools the text (not {@code argmax(ids)},
 *                         which a placeholder id above the end id would break)
 */
public record TokenizedPrompt(int[] ids, int count, boolean truncated, int untruncatedCount, int endIndex) {
}
