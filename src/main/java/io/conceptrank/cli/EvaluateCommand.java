package io.conceptrank.cli;

import io.conceptrank.metric.ClipScoringSession;
import io.conceptrank.metric.eval.EvaluationProtocol;
import io.conceptrank.metric.eval.ProtocolReport;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.plugin.spi.Concept;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/** {@code conceptrank evaluate}: the three-experiment protocol for a plain-TI and a KL-TI embedding of one subject. */
@Command(name = "evaluate", sortOptions = false,
        header = "Runs the evaluation protocol on a plain-TI and a KL-TI embedding of the same subject.",
        description = {"",
            "Three experiments, each with the model package's CLIP reading the learned word: (1) for the prompt "
                + "'<template with the placeholder>', subject > look-alike > other subject > unrelated object; "
                + "(2) the subject scores higher with the placeholder prompt than with the plain-words description; "
                + "(3) the subject and the subject in context each score highest with their own prompt (the "
                + "placeholder prompt, and it followed by the context). The claim under test: KL-TI keeps (3) while "
                + "plain TI loses it. Only strict orders count."},
        footer = {"", "Example:",
            "  conceptrank evaluate --model models/sd15 --plain dog-plain.safetensors --kl dog-kl.safetensors "
                + "--subject dog.png --look-alike other-dog.png --other-subject cat.png --unrelated car.png "
                + "--subject-in-context dog-beach.png --description 'a photo of a small brown dog' "
                + "--context 'on the beach' --json"})
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private OutputOptions output;

    @Mixin
    private ThreadOptions threads;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "The model package folder; it must have a clip part.")
    private Path model;

    @Option(names = "--plain", required = true, paramLabel = "FILE.safetensors",
            description = "The plain textual-inversion embedding (trained with --beta 0 --l2 0).")
    private Path plain;

    @Option(names = "--kl", required = true, paramLabel = "FILE.safetensors",
            description = "The KL-regularized embedding of the same subject.")
    private Path kl;

    @Option(names = "--placeholder", paramLabel = "TOKEN",
            description = "The word both embeddings stand for (default: the token stored in each file).")
    private String placeholder;

    @Option(names = "--name", paramLabel = "TEXT", defaultValue = "subject",
            description = "The subject's name in the report (default: ${DEFAULT-VALUE}).")
    private String name;

    @Option(names = "--subject", required = true, paramLabel = "IMAGE", description = "The subject (a held-out photo).")
    private Path subject;

    @Option(names = "--look-alike", required = true, paramLabel = "IMAGE",
            description = "Something of the subject's class that is not the subject.")
    private Path lookAlike;

    @Option(names = "--other-subject", required = true, paramLabel = "IMAGE", description = "A different subject.")
    private Path otherSubject;

    @Option(names = "--unrelated", required = true, paramLabel = "IMAGE", description = "An unrelated object.")
    private Path unrelated;

    @Option(names = "--subject-in-context", required = true, paramLabel = "IMAGE",
            description = "The subject in the context of --context.")
    private Path subjectInContext;

    @Option(names = "--description", required = true, paramLabel = "TEXT",
            description = "The subject in plain words, e.g. 'a photo of a small brown dog'.")
    private String description;

    @Option(names = "--context", required = true, paramLabel = "TEXT",
            description = "The context phrase appended to the subject prompt, e.g. 'on the beach'.")
    private String context;

    @Option(names = "--template", paramLabel = "TEXT", defaultValue = "a photo of {}",
            description = "The subject prompt, {} where the placeholder goes (default: ${DEFAULT-VALUE}).")
    private String template;

    @Override
    public Integer call() {
        EvaluationProtocol.Prompts prompts;
        try {
            prompts = new EvaluationProtocol.Prompts(template, description, context);
        } catch (IllegalArgumentException e) {
            throw Inputs.bad(spec, "--template: " + e.getMessage());
        }
        EvaluationProtocol.Images images = new EvaluationProtocol.Images(image("--subject", subject),
                image("--look-alike", lookAlike), image("--other-subject", otherSubject),
                image("--unrelated", unrelated), image("--subject-in-context", subjectInContext));
        try (Inputs.Model m = Inputs.model(spec, model, output, threads)) {
            if (m.sd().clip() == null) {
                throw Inputs.bad(spec, "--model " + model + " has no clip part, which the protocol needs");
            }
            int width = m.sd().clip().textModel().config().width();
            // The protocol never replaces the placeholder by the initializer word, so none is needed.
            Concept plainTi = Inputs.concept(spec, "--plain", plain, placeholder, null, false, width, m.sd().manager());
            Concept klTi = Inputs.concept(spec, "--kl", kl, placeholder, null, false, width, m.sd().manager());
            ClipScorer scorer = new ClipScorer(m.sd().clip(), m.sd().tokenizer());
            ProtocolReport report = EvaluationProtocol.run(name, plainTi, klTi,
                    concept -> ClipScoringSession.open(scorer, m.sd().manager(), concept), images, prompts);
            output.print(JsonMapper.shared().readTree(report.toJson()), report::toMarkdown);
            return Cli.OK;
        }
    }

    private BufferedImage image(String option, Path file) {
        if (!Files.isRegularFile(file)) {
            throw Inputs.bad(spec, option + " " + file + ": no such file");
        }
        return Inputs.readImages(spec, option, List.of(file)).get(0);
    }
}
