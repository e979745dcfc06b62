package io.conceptrank.toyworld.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.conceptrank.toyworld.study.ClusterBootstrap.Interval;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xml.sax.InputSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/** The study's three phases end to end on the toy package (a few steps), and its statistics on known figures. */
class StudyCommandTest {

    @TempDir
    Path dir;

    @Test
    void sweepFreezeAndConfirmWriteEveryResultTheTableAndThePlot() throws Exception {
        String cache = dir.resolve("cache").toString();
        Path dev = dir.resolve("dev");
        int rc = new CommandLine(new StudyCommand()).execute("sweep", "--dir", cache, "--subjects", "red-dotted-heart",
                "--edits", "colour", "--references", "2", "--sample-steps", "2", "--samples", "1",
                "--plain-steps", "1,2", "--high-lr-steps", "1", "--betas", "10", "--uniform-betas", "0.5",
                "--l2", "0.01", "--steps", "1", "--out", dev.toString());
        assertThat(rc).isZero();
        StudyFile sweep = StudyFile.read(dev.resolve("sweep.json"));
        assertThat(sweep.results()).hasSize(6).allSatisfy(r -> assertThat(r.pictures()).hasSize(7 + 1 + 7));

        Path frozen = dir.resolve("frozen.json");
        assertThat(new CommandLine(new StudyCommand()).execute("freeze", "--sweep", dev.resolve("sweep.json").toString(),
                "--out", frozen.toString())).isZero();
        List<Selection.Choice> choices = Selection.read(frozen);
        assertThat(choices).extracting(c -> c.arm().method()).containsExactlyInAnyOrder(Arm.Method.values());

        Path test = dir.resolve("test");
        rc = new CommandLine(new StudyCommand()).execute("confirm", "--dir", cache, "--frozen", frozen.toString(),
                "--sweep", dev.resolve("sweep.json").toString(), "--subjects", "pink-dotted-star", "--seeds", "1,2",
                "--edits", "colour", "--references", "2", "--sample-steps", "2", "--samples", "1",
                "--baseline-steps", "2", "--out", test.toString());
        assertThat(rc).isZero();
        StudyFile confirm = StudyFile.read(test.resolve("confirm.json"));
        int arms = Selection.armsToConfirm(Arm.plain("0.005", 2), choices).size();
        assertThat(confirm.results()).hasSize(2 * arms);
        assertThat(Files.readString(test.resolve("report.md"))).contains("plain TI (default steps and rate)")
                .contains("KL-TI exact (frozen)").contains("pink-dotted-star seed 1").contains("Paired differences");
        JsonNode report = StudyCommand.JSON.readTree(test.resolve("report.json").toFile());
        assertThat(report.get("arms")).hasSize(arms);
        assertThat(report.get("clusters")).hasSize(2);
        String svg = Files.readString(test.resolve("pareto.svg"));
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
        assertThat(svg).contains("KL-TI exact, beta").contains("(test)");

        // A report from the cache alone: seed 3 was never trained, so its cluster is left out, and nothing trains.
        Path partial = dir.resolve("partial");
        rc = new CommandLine(new StudyCommand()).execute("confirm", "--available", "--dir", cache, "--frozen",
                frozen.toString(), "--subjects", "pink-dotted-star", "--seeds", "1,2,3", "--edits", "colour",
                "--references", "2", "--sample-steps", "2", "--samples", "1", "--baseline-steps", "2",
                "--out", partial.toString());
        assertThat(rc).isZero();
        assertThat(StudyCommand.JSON.readTree(partial.resolve("report.json").toFile()).get("clusters")).hasSize(2);
        assertThat(Files.exists(Path.of(cache, "pink-dotted-star", "1-scene-refs-2-seed-3"))).isFalse();
    }

    private static EditStudy.Result result(String subject, long seed, Arm arm, double edit, double fidelity) {
        // 10 edit pictures and 10 unedited ones with the given shares.
        List<EditStudy.Picture> pictures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pictures.add(new EditStudy.Picture("edit", "colour", "blue", "p", i, "heart", "blue", "dotted", "beach",
                    i < edit * 10, true, false));
            pictures.add(new EditStudy.Picture("alone", "", "", "p", i, "heart", "red", "dotted", "beach", true,
                    i < fidelity * 10, false));
        }
        return new EditStudy.Result(subject, seed, arm, 1, new EditStudy.TrainingStats(0, 0, 0, 0, 0, 1, 1, 0), pictures);
    }

    @Test
    void freezingTakesEachMethodsBestBalanceOverSubjectsAndCountsPlainStepsAndRatesAsOneMethod() {
        Arm early = Arm.plain("0.005", 100);
        Arm late = Arm.plain("0.005", 500);
        Arm hot = Arm.plain("0.05", 50);
        Arm weak = new Arm(Arm.Method.KL_UNIFORM, 0.1, "0.005", 500);
        Arm strong = new Arm(Arm.Method.KL_UNIFORM, 1, "0.005", 500);
        List<EditStudy.Result> results = List.of(
                result("a", 1, early, 0.4, 0.6), result("b", 1, early, 0.4, 0.6),
                result("a", 1, late, 0.1, 1.0), result("b", 1, late, 0.1, 1.0),
                result("a", 1, hot, 0.0, 1.0), result("b", 1, hot, 0.0, 0.9),
                result("a", 1, weak, 0.2, 0.9), result("b", 1, weak, 0.3, 0.9),
                result("a", 1, strong, 0.9, 0.1), result("b", 1, strong, 0.9, 0.2));
        List<Selection.Choice> choices = Selection.freeze(results);
        assertThat(choices).extracting(Selection.Choice::arm).containsExactly(early, weak);
        assertThat(choices.get(0).score()).isCloseTo(0.48, within(1e-9));
        assertThat(choices.get(0).concepts()).isEqualTo(2);
    }

    @Test
    void bootstrapIntervalsHoldTheMeanAndPairedDifferencesCancelSharedNoise() {
        Interval constant = ClusterBootstrap.of(new double[] {0.5, 0.5, 0.5});
        assertThat(constant.low()).isEqualTo(0.5);
        assertThat(constant.high()).isEqualTo(0.5);
        double[] a = {0.1, 0.9, 0.4, 0.7, 0.2, 0.6};
        double[] b = {0.0, 0.8, 0.3, 0.6, 0.1, 0.5};
        Interval ia = ClusterBootstrap.of(a);
        assertThat(ia.mean()).isCloseTo(0.483333, within(1e-5));
        assertThat(ia.low()).isLessThan(ia.mean()).isGreaterThanOrEqualTo(0.1);
        assertThat(ia.high()).isGreaterThan(ia.mean()).isLessThanOrEqualTo(0.9);
        assertThat(ia.excludesZero()).isTrue();
        Interval d = ClusterBootstrap.of(ClusterBootstrap.difference(a, b));
        assertThat(d.mean()).isCloseTo(0.1, within(1e-9));
        assertThat(d.high() - d.low()).as("a shared cluster effect cancels in the paired difference")
                .isLessThan(1e-9);
        assertThat(ClusterBootstrap.of(new double[] {-0.2, 0.3, -0.1, 0.1}).excludesZero()).isFalse();
    }
}
