package io.conceptrank.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.plugin.PluginJars;
import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.testing.FixtureModels;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.logging.Level;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole flow in a real browser (Debian's Chromium, headless, driven through its ChromeDriver):
 * create a concept, upload references, train a few steps while the progress shows, generate, read
 * the ranked grid, re-sort it, open the lightbox, install a metric plugin jar and see its scores.
 * Only the UI is used. Screenshots of each stage go to {@code target/e2e-screenshots/}.
 *
 * <p>The model is {@code models/toy} when it is there, else the tiny sd-pipeline fixture; the system
 * property {@code conceptrank.e2e.model} ({@code toy} or {@code fixture}) forces one. Without
 * /usr/bin/chromium and /usr/bin/chromedriver the test is skipped before the server starts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@EnabledIf(value = "chromiumInstalled", disabledReason = Browser.SKIP)
class BrowserFlowTest {

    static final Path ROOT = Path.of("target", "e2e", UUID.randomUUID().toString()).toAbsolutePath();
    static final Path TOY = Path.of("models", "toy").toAbsolutePath();

    static final Duration UI = Duration.ofSeconds(20);
    static final Duration JOB = Duration.ofMinutes(3);
    static final int REFERENCES = 3;
    static final int BATCH = 3;

    static boolean chromiumInstalled() {
        return Browser.installed("BrowserFlowTest");
    }

    @DynamicPropertySource
    static void server(DynamicPropertyRegistry registry) throws IOException {
        String choice = System.getProperty("conceptrank.e2e.model",
                Files.exists(TOY.resolve("model.json")) ? "toy" : "fixture");
        Path models = switch (choice) {
            case "toy" -> TOY.getParent();
            case "fixture" -> FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(),
                    ROOT.resolve("models/tiny"), true).getParent();
            default -> throw new IllegalArgumentException("conceptrank.e2e.model: toy or fixture, not " + choice);
        };
        System.out.println("BrowserFlowTest: model " + choice + " from " + models);
        registry.add("conceptrank.models-dir", models::toString);
        registry.add("conceptrank.default-model", () -> choice.equals("toy") ? "toy" : "tiny");
        registry.add("conceptrank.data-dir", () -> ROOT.resolve("data").toString());
        registry.add("conceptrank.plugins-dir", () -> ROOT.resolve("plugins").toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    ActiveModel model;

    private Browser browser;
    private ChromeDriver driver;

    @AfterEach
    void quit() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void uploadTrainGenerateRankAndInstallAPluginInTheBrowser() throws Exception {
        int size = model.nativeSize();
        browser = Browser.start(ROOT, "BrowserFlowTest", "");
        driver = browser.driver();
        try {
            flow(size);
        } catch (Throwable failure) {
            throw browser.diagnosed(failure);
        }
    }

    private void flow(int size) throws Exception {
        driver.get("http://127.0.0.1:" + port + "/#/home");
        browser.waitFor("the live connection to the job feed", UI,
                d -> "live".equals(browser.testId("connection").getDomAttribute("data-status")));
        browser.screenshot("home");

        // New concept dialog.
        browser.click(browser.testId("new-concept"));
        WebElement name = visible(By.cssSelector("[data-testid=new-concept-name]"));
        name.sendKeys("E2E Corgi");
        browser.testId("new-concept-initializer").sendKeys("dog");
        assertThat(browser.testId("new-concept-placeholder").getDomProperty("value")).isEqualTo("<e2e-corgi>");
        browser.screenshot("new-concept");
        browser.click(browser.testId("new-concept-create"));
        String concept = browser.waitFor("the new concept's references tab", UI, d -> {
            String hash = (String) browser.js("return location.hash");
            return hash.matches("#/c/[^/]+/references") && !browser.all("upload-input").isEmpty()
                    ? hash.split("/")[2] : null;
        });

        // References through the (hidden) file input, as the "Choose files" button feeds it.
        List<String> files = new ArrayList<>();
        for (int i = 0; i < REFERENCES; i++) {
            files.add(referencePng(i, size).toString());
        }
        browser.testId("upload-input").sendKeys(String.join("\n", files));
        browser.waitFor(REFERENCES + " stored reference cards", UI, d -> browser.all("reference-card").size() == REFERENCES);
        assertThat(browser.all("upload-error")).as("upload errors").isEmpty();
        browser.screenshot("references");

        // Train a few steps; progress (step counter, loss tiles, recorded curve) shows while it runs.
        browser.click(browser.testId("tab-train"));
        browser.waitFor("the training form", UI, d -> !browser.all("train-steps").isEmpty());
        setField("train-steps", "4", true);
        setField("train-batchSize", "1", false);
        setField("train-previewEvery", "2", false);
        setField("train-previewSteps", "2", false);
        setField("train-checkpointEvery", "2", false);
        setField("train-seed", "5", false);
        browser.click(browser.waitFor("an enabled Start button", UI, d -> browser.testId("train-start").isEnabled() ? browser.testId("train-start") : null));
        browser.waitFor("the training's step counter", JOB, d -> runLine().matches("(?s).*step [1-9]\\d* / 4.*")
                || List.of("failed", "cancelled").contains(trainState()));
        browser.screenshot("training", By.cssSelector(".train-live"));
        assertThat(trainState()).as("training state; status: %s", status()).isIn("running", "succeeded");
        browser.waitFor("a point of the loss curve", UI, d -> (Boolean) browser.js("""
                return Object.keys(localStorage).some(k => k.startsWith('conceptrank.trainlog.')
                    && JSON.parse(localStorage.getItem(k)).some(p => typeof p.loss === 'number'))"""));
        String state = browser.waitFor("the training to end", JOB, d -> {
            String s = trainState();
            return s.equals("running") || s.equals("queued") ? null : s;
        });
        assertThat(state).as("training state; status: %s", status()).isEqualTo("succeeded");
        assertThat(runLine()).contains("step 4 / 4");
        browser.waitFor("the concept's embedding badge", UI, d -> !browser.all("embedding-badge").isEmpty());
        browser.waitFor("the training previews", UI,
                d -> !browser.testId("train-previews").findElements(By.tagName("img")).isEmpty());
        browser.screenshot("trained", By.cssSelector(".train-live"));

        // Generate a small batch and read the ranked grid.
        browser.click(browser.testId("tab-generate"));
        setGenerateForm(size);
        browser.click(browser.testId("generate"));
        List<String> metrics = awaitGrid();
        browser.screenshot("ranked-grid", By.cssSelector(".results-section"));

        // Re-sort by another metric: the grid follows that metric's scores, highest first.
        WebElement chosen = driver.findElement(By.cssSelector("[data-testid=sort-metric][aria-pressed=true]"));
        String other = metrics.stream().filter(m -> !m.equals(chosen.getDomAttribute("data-metric")))
                .findFirst().orElseThrow();
        browser.click(driver.findElement(By.cssSelector("[data-testid=sort-metric][data-metric='" + other + "']")));
        browser.waitFor("the grid sorted by " + other, UI, d -> "true".equals(driver.findElement(
                By.cssSelector("[data-testid=sort-metric][data-metric='" + other + "']")).getDomAttribute("aria-pressed")));
        assertSortedBy(metrics, other);
        browser.screenshot("resorted", By.cssSelector(".results-section"));

        // The lightbox: full-size image, every metric's score and the A1111 parameters.
        browser.click(browser.all("grid-card").get(0).findElement(By.cssSelector(".card-image")));
        WebElement lightbox = visible(By.cssSelector("[data-testid=lightbox]"));
        assertThat(browser.testId("lightbox-parameters").getText()).contains("Seed: ", "Steps: 2");
        assertThat(lightbox.findElements(By.cssSelector(".score-table tbody tr"))).hasSize(metrics.size());
        browser.screenshot("lightbox");
        browser.click(browser.testId("lightbox-close"));
        browser.waitFor("the lightbox to close", UI, d -> browser.all("lightbox").isEmpty());

        // Install a metric plugin jar on the plugins page.
        browser.click(browser.testId("nav-plugins"));
        browser.waitFor("the plugin list", UI, d -> !browser.all("plugin-card").isEmpty());
        Path jar = exampleMetricJar();
        browser.testId("plugin-install-input").sendKeys(jar.toString());
        String from = "from " + jar.getFileName();
        WebElement card = browser.waitFor("a plugin card " + from, UI, d -> browser.all("plugin-card").stream()
                .filter(c -> c.getText().contains(from)).findFirst().orElse(null));
        assertThat(card.getText()).as("plugin card").contains("enabled").doesNotContain("disabled");
        String plugin = card.getDomAttribute("data-plugin");
        assertThat(browser.all("plugin-card").size()).as("built-in plugins still listed").isGreaterThan(1);
        browser.js("arguments[0].scrollIntoView({block: 'center'})", card);
        browser.screenshot("plugin-installed");

        // Generate again: the plugin's metric is ranked along with the built-ins.
        browser.click(driver.findElement(By.cssSelector("[data-testid=concept-item][data-concept-id='" + concept + "']")));
        browser.click(visible(By.cssSelector("[data-testid=tab-generate]")));
        browser.waitFor("the plugin's metric in the Rank-by picker", UI, d -> !browser.testId("metric-picker")
                .findElements(By.cssSelector("option[value='" + plugin + "']")).isEmpty());
        setGenerateForm(size);
        browser.click(browser.testId("generate"));
        List<String> withPlugin = awaitGrid();
        assertThat(withPlugin).as("metrics of the second batch").contains(plugin).containsAll(metrics);
        browser.screenshot("plugin-scores", By.cssSelector(".results-section"));

        // No script errors along the way; a 404 is the page's documented fallback for an endpoint
        // this server lacks (the start page's demo subjects).
        List<String> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).filter(m -> !m.contains("status of 404")).toList();
        assertThat(errors).as("errors in the browser console").isEmpty();
    }

    /** Waits for the batch just submitted to finish; checks its ranks and every metric's score. */
    private List<String> awaitGrid() {
        // Generate is disabled from the click until the job ends (or its submission fails).
        browser.waitFor("generation to end", JOB, d -> browser.testId("generate").isEnabled()
                && driver.findElements(By.cssSelector(".results .skeleton")).isEmpty());
        assertThat(browser.all("grid-card")).as("grid cards; results: %s %s", browser.testId("generate-message").getText(),
                driver.findElement(By.cssSelector(".results")).getText()).hasSize(BATCH);
        List<String> metrics = browser.all("sort-metric").stream().map(m -> m.getDomAttribute("data-metric")).toList();
        assertThat(metrics).as("metrics").hasSizeGreaterThanOrEqualTo(2);
        List<WebElement> cards = browser.all("grid-card");
        for (int rank = 1; rank <= cards.size(); rank++) {
            WebElement card = cards.get(rank - 1);
            assertThat(card.getDomAttribute("data-rank")).isEqualTo(String.valueOf(rank));
            assertThat(card.findElement(By.cssSelector("[data-testid=rank-badge]")).getText()).isEqualTo("#" + rank);
            assertThat((Boolean) browser.js("return arguments[0].complete && arguments[0].naturalWidth > 0",
                    card.findElement(By.tagName("img")))).as("image of card %d loaded", rank).isTrue();
        }
        for (int m = 0; m < metrics.size(); m++) {
            assertThat(columnScores(m)).as("%s scores", metrics.get(m)).hasSize(BATCH);
        }
        assertSortedBy(metrics, driver.findElement(By.cssSelector("[data-testid=sort-metric][aria-pressed=true]"))
                .getDomAttribute("data-metric"));
        return metrics;
    }

    /** The cards are in the order of the metric's shown scores, highest first. */
    private void assertSortedBy(List<String> metrics, String metric) {
        List<Double> scores = columnScores(metrics.indexOf(metric));
        for (int i = 1; i < scores.size(); i++) {
            assertThat(scores.get(i)).as("%s scores in grid order %s", metric, scores).isLessThanOrEqualTo(scores.get(i - 1));
        }
    }

    /** The scores shown for the m-th metric, card by card in grid order; fails on a missing one. */
    private List<Double> columnScores(int m) {
        List<Double> scores = new ArrayList<>();
        for (WebElement card : browser.all("grid-card")) {
            String text = card.findElements(By.cssSelector(".scores .score-value")).get(m).getText();
            assertThat(text).as("score %d of card %s", m, card.getDomAttribute("data-index")).matches("-?[0-9.]+(e[-+]?\\d+)?");
            scores.add(Double.parseDouble(text));
        }
        return scores;
    }

    private void setGenerateForm(int size) {
        browser.waitFor("the generate form's defaults", UI, d -> !browser.testId("gen-steps").getDomProperty("value").isEmpty());
        setField("gen-steps", "2", true);
        setField("gen-batch-size", String.valueOf(BATCH), true);
        setField("gen-width", String.valueOf(size), true);
        setField("gen-height", String.valueOf(size), true);
        setField("gen-seed", "7", true);
    }

    /**
     * The example metric plugin's jar (plugins/example-metric) as its own build makes it, or, where
     * that build has not run, the same sources and descriptor compiled and packed here.
     */
    private static Path exampleMetricJar() throws IOException {
        Path example = Path.of("plugins", "example-metric").toAbsolutePath();
        Path target = example.resolve("target");
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "*.jar")) {
                for (Path jar : jars) {
                    if (!jar.getFileName().toString().matches(".*-(sources|javadoc|tests)\\.jar")) {
                        return jar;
                    }
                }
            }
        }
        Path java = example.resolve("src/main/java");
        Map<String, String> sources = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(java)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String name = java.relativize(file).toString().replaceFirst("\\.java$", "").replace(File.separatorChar, '.');
                sources.put(name, Files.readString(file));
            }
        }
        String service = MetricPlugin.class.getName();
        List<String> classes = Files.readAllLines(example.resolve("src/main/resources/META-INF/services/" + service));
        return PluginJars.build(Files.createDirectories(ROOT.resolve("plugin-build")), "example-metric-plugin",
                sources, Map.of(service, classes));
    }

    /** A distinct picture per index: a coloured disc on a noisy background, at the model's size. */
    private static Path referencePng(int index, int size) throws IOException {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(index);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int g = 90 + random.nextInt(60);
                image.setRGB(x, y, new Color(g, g + 20, 60 + index * 50).getRGB());
            }
        }
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(200, 140 - index * 30, 40));
        g.fillOval(size / 4 + index * size / 16, size / 4, size / 2, size / 2);
        g.dispose();
        Path file = Files.createDirectories(ROOT.resolve("references")).resolve("corgi-" + (index + 1) + ".png");
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private void setField(String testId, String value, boolean required) {
        List<WebElement> found = browser.all(testId);
        if (found.isEmpty()) {
            assertThat(required).as("field %s is missing", testId).isFalse();
            return;
        }
        WebElement input = found.get(0);
        // Select and type over, so the page sees input and change events as from a user.
        browser.js("arguments[0].scrollIntoView({block: 'center'}); arguments[0].select()", input);
        input.sendKeys(value);
        assertThat(input.getDomProperty("value")).as(testId).isEqualTo(value);
    }

    private String runLine() {
        return live(() -> {
            List<WebElement> line = driver.findElements(By.cssSelector(".run-status .run-line"));
            return line.isEmpty() ? "" : line.get(0).getText();
        });
    }

    /** The shown run's state as the page words it (the badge's CSS upper-cases it). */
    private String trainState() {
        return live(() -> browser.testId("train-state").getDomProperty("textContent"));
    }

    private String status() {
        return live(() -> driver.findElement(By.cssSelector(".run-status")).getText());
    }

    /**
     * Reads a part of the training page, which redraws itself on every progress event (and when the
     * job's earlier steps arrive): an element found just before a redraw is gone when read, so the
     * read is tried again on a fresh lookup.
     */
    private static String live(java.util.function.Supplier<String> read) {
        for (int attempt = 1; ; attempt++) {
            try {
                return read.get();
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private WebElement visible(By by) {
        return browser.waitFor(by + " to show", UI, d -> d.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
    }

}
