package io.conceptrank.toyworld.study;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A phase's results on disk: {@code NAME.json} holds the settings and, per concept, its arm, seed,
 * training statistics and endpoints; {@code pictures.jsonl} holds every judged picture, one per line,
 * with its concept's subject, seed and arm, for anyone who wants to recount.
 */
record StudyFile(Map<String, Object> settings, List<EditStudy.Result> results) {

    static void write(Path json, Path pictures, StudyCommand.Common common, int samples,
            List<EditStudy.Result> results) throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("models", common.models.toString());
        settings.put("referenceScenes", common.referenceScenes);
        settings.put("references", common.references);
        settings.put("edits", common.edits);
        settings.put("samplesPerPrompt", samples);
        settings.put("samplingSeed", EditStudy.SAMPLING_SEED);
        List<Map<String, Object>> rows = new ArrayList<>();
        try (BufferedWriter w = Files.newBufferedWriter(pictures)) {
            for (EditStudy.Result r : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("subject", r.subject());
                row.put("seed", r.seed());
                row.put("arm", r.arm());
                row.put("label", r.arm().label());
                row.put("referenceScenes", r.referenceScenes());
                row.put("training", r.training());
                row.put("endpoints", r.endpoints());
                row.put("pictures", r.pictures().size());
                rows.add(row);
                for (EditStudy.Picture p : r.pictures()) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("subject", r.subject());
                    line.put("seed", r.seed());
                    line.put("arm", r.arm().key());
                    line.put("picture", p);
                    w.write(StudyCommand.JSON.writeValueAsString(line));
                    w.newLine();
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("settings", settings);
        out.put("results", rows);
        StudyCommand.JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), out);
    }

    /** Reads a phase's file with its pictures (from {@code pictures.jsonl} beside it). */
    static StudyFile read(Path json) throws Exception {
        JsonNode root = StudyCommand.JSON.readTree(json.toFile());
        Map<String, List<EditStudy.Picture>> pictures = new LinkedHashMap<>();
        Path lines = json.resolveSibling("pictures.jsonl");
        if (Files.isRegularFile(lines)) {
            for (String line : Files.readAllLines(lines)) {
                JsonNode n = StudyCommand.JSON.readTree(line);
                pictures.computeIfAbsent(n.get("subject").asString() + "|" + n.get("seed").asLong() + "|"
                        + n.get("arm").asString(), k -> new ArrayList<>())
                        .add(StudyCommand.JSON.treeToValue(n.get("picture"), EditStudy.Picture.class));
            }
        }
        List<EditStudy.Result> results = new ArrayList<>();
        for (JsonNode row : root.get("results")) {
            Arm arm = StudyCommand.JSON.treeToValue(row.get("arm"), Arm.class);
            String key = row.get("subject").asString() + "|" + row.get("seed").asLong() + "|" + arm.key();
            results.add(new EditStudy.Result(row.get("subject").asString(), row.get("seed").asLong(), arm,
                    row.get("referenceScenes").asInt(),
                    StudyCommand.JSON.treeToValue(row.get("training"), EditStudy.TrainingStats.class),
                    pictures.getOrDefault(key, List.of())));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = StudyCommand.JSON.treeToValue(root.get("settings"), Map.class);
        return new StudyFile(settings, results);
    }
}
