package io.conceptrank.training;

import java.util.ArrayList;
import java.util.List;

/**
 * The prompts a concept is trained under. A template names the concept with {@code {}} (the
 * original textual-inversion code and diffusers) or {@code [name]} (AUTOMATIC1111's template
 * files); each training sample fills one template with the placeholder, and the KL term's
 * anchor fills the same template with the initializer word.
 *
 * <p>A1111's {@code [filewords]} (words from each image's file name) is refused: the references
 * reach the trainer as images without names or captions.
 */
public final class PromptTemplates {

    /** The textual-inversion paper's object templates (imagenet_templates_small). */
    public static final List<String> OBJECT = List.of(
            "a photo of a {}",
            "a rendering of a {}",
            "a cropped photo of the {}",
            "the photo of a {}",
            "a photo of a clean {}",
            "a photo of a dirty {}",
            "a dark photo of the {}",
            "a photo of my {}",
            "a photo of the cool {}",
            "a close-up photo of a {}",
            "a bright photo of the {}",
            "a cropped photo of a {}",
            "a photo of the {}",
            "a good photo of the {}",
            "a photo of one {}",
            "a close-up photo of the {}",
            "a rendition of the {}",
            "a photo of the clean {}",
            "a rendition of a {}",
            "a photo of a nice {}",
            "a good photo of a {}",
            "a photo of the nice {}",
            "a photo of the small {}",
            "a photo of the weird {}",
            "a photo of the large {}",
            "a photo of a cool {}",
            "a photo of a small {}");

    private final List<String> templates;

    private PromptTemplates(List<String> templates) {
        this.templates = List.copyOf(templates);
    }

    /**
     * Checks and keeps templates: at least one, each naming the concept with {@code {}} or {@code [name]}.
     *
     * @throws IllegalArgumentException naming the first bad template
     */
    public static PromptTemplates of(List<String> templates) {
        if (templates == null || templates.isEmpty()) {
            throw new IllegalArgumentException("templates: at least one prompt template is needed, e.g. 'a photo of a {}'");
        }
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < templates.size(); i++) {
            String t = templates.get(i) == null ? "" : templates.get(i).strip();
            if (t.contains("[filewords]")) {
                throw new IllegalArgumentException("templates: template " + (i + 1) + " '" + t
                        + "' uses [filewords], which needs captions from file names; references carry none");
            }
            if (!t.contains("{}") && !t.contains("[name]")) {
                throw new IllegalArgumentException("templates: template " + (i + 1) + " '" + t
                        + "' does not name the concept; write {} or [name] where the placeholder goes");
            }
            kept.add(t);
        }
        return new PromptTemplates(kept);
    }

    public int size() {
        return templates.size();
    }

    public List<String> templates() {
        return templates;
    }

    /** Template {@code index} with the concept's marks replaced by {@code word}. */
    public String fill(int index, String word) {
        return templates.get(index).replace("{}", word).replace("[name]", word);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PromptTemplates other && templates.equals(other.templates);
    }

    @Override
    public int hashCode() {
        return templates.hashCode();
    }

    @Override
    public String toString() {
        return templates.toString();
    }
}
