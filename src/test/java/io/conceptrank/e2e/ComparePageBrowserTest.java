package io.conceptrank.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.testing.FixtureModels;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.logging.Level;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Compare page in a real browser (headless Chromium, as {@link BrowserFlowTest}): a concept
 * trained a few steps through the REST API, then, through the page only, its plain-TI twin trained
 * with the button, an edit test with one edit and two pictures per side read from the paired grid,
 * and the evaluation protocol run with its report drawn as tables. Screenshots go to
 * {@code target/e2e-screenshots/compare-*.png}.
 *
 * <p>The model is the tiny sd-pipeline fixture unless {@code conceptrank.e2e.model=toy}. Without
 * /usr/bin/chromium and /usr/bin/chromedriver the test is skipped before the server starts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@EnabledIf(value = "chromiumInstalled", disabledReason = Browser.SKIP)
class ComparePageBrowserTest {

    static final Path ROOT = Path.of("target", "e2e", "compare-" + UUID.randomUUID()).toAbsolutePath();
    static final Duration UI = Duration.ofSeconds(20);
    static final Duration JOB = Duration.ofMinutes(3);
    static final int PICTURES = 2;

    static boolean chromiumInstalled() {
        return Browser.installed("ComparePageBrowserTest");
    }

    @DynamicPropertySource
    static void server(DynamicPropertyRegistry registry) throws IOException {
        String choice = System.getProperty("conceptrank.e2e.model", "fixture");
        Path models = switch (choice) {
            case "toy" -> BrowserFlowTest.TOY.getParent();
            case "fixture" -> FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(),
                    ROOT.resolve("models/tiny"), true).getParent();
            default -> throw new IllegalArgumentException("conceptrank.e2e.model: toy or fixture, not " + choice);
        };
        registry.add("conceptrank.models-dir", models::toString);
        registry.add("conceptrank.default-model", () -> choice.equals("toy") ? "toy" : "tiny");
        registry.add("conceptrank.data-dir", () -> ROOT.resolve("data").toString());
        registry.add("conceptrank.plugins-dir", () -> ROOT.resolve("plugins").toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    ActiveModel model;

    private final HttpClient http = HttpClient.newHttpClient();
    private Browser browser;
    private ChromeDriver driver;

    @AfterEach
    void quit() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void twinEditTestAndProtocolInTheBrowser() throws Exception {
        int size = model.nativeSize();
        String concept = trainedConcept(size);
        browser = Browser.start(ROOT, "ComparePageBrowserTest", "compare-");
        driver = browser.driver();
        try {
            flow(concept, size);
        } catch (Throwable failure) {
            throw browser.diagnosed(failure);
        }
    }

    private void flow(String concept, int size) throws Exception {
        driver.get("http://127.0.0.1:" + port + "/#/c/" + concept + "/references");
        browser.waitFor("the live connection to the job feed", UI,
                d -> "live".equals(browser.testId("connection").getDomAttribute("data-status")));
        browser.click(browser.waitFor("the concept's Compare button", UI, d -> first("compare-concept")));

        // The concept lands on the KL side; the plain side is empty, so nothing can run yet.
        browser.waitFor("the compare page with the concept on the KL side", UI,
                d -> concept.equals(new Select(browser.testId("pick-kl")).getFirstSelectedOption().getDomAttribute("value")));
        assertThat(new Select(browser.testId("pick-plain")).getFirstSelectedOption().getDomAttribute("value")).isEmpty();
        browser.click(browser.testId("run-edit-test"));
        browser.waitFor("the message that both concepts are needed", UI,
                d -> browser.testId("edit-message").getText().contains("Choose both concepts first"));

        // Train its plain-TI twin: a new concept with the same references, trained with beta 0.
        browser.click(browser.testId("train-twin"));
        String twin = browser.waitFor("the twin on the plain side", UI, d -> {
            String id = new Select(browser.testId("pick-plain")).getFirstSelectedOption().getDomAttribute("value");
            return id == null || id.isEmpty() ? null : id;
        });
        assertThat(twin).isNotEqualTo(concept);
        browser.screenshot("twin-training");
        browser.waitFor("the twin's training to end", JOB, d -> !browser.all("plain-trained").isEmpty() || !browser.all("twin-message").get(0).getText().isEmpty());
        assertThat(browser.testId("twin-message").getText()).as("twin message").isEmpty();
        JsonNode twinConcept = get("/api/concepts/" + twin);
        assertThat(twinConcept.path("references").size()).as("the twin's references").isEqualTo(3);
        JsonNode twinJob = trainJobOf(twin);
        assertThat(twinJob.path("params").path("beta").asDouble()).isZero();
        // The L2 pull is on by default: plain TI turns it off explicitly.
        assertThat(twinJob.path("params").path("l2").isNumber()).isTrue();
        assertThat(twinJob.path("params").path("l2").asDouble()).isZero();
        assertThat(twinJob.path("params").path("steps").asInt()).as("steps copied from the source's training").isEqualTo(4);

        // The edit test: one edit, two pictures per side with the same seeds.
        setText("edit-words", "blue");
        setText("edit-contexts", "");
        if (browser.testId("edit-baseline").isSelected()) {
            browser.click(browser.testId("edit-baseline"));
        }
        setField("edit-pictures", String.valueOf(PICTURES));
        setField("edit-seed", "7");
        browser.waitFor("the model's default steps", UI, d -> !browser.testId("edit-steps").getDomProperty("value").isEmpty());
        setField("edit-steps", "2");
        setField("edit-width", String.valueOf(size));
        setField("edit-height", String.valueOf(size));
        browser.click(browser.testId("run-edit-test"));
        browser.waitFor("the edit test to end", JOB, d -> browser.testId("run-edit-test").isEnabled()
                && driver.findElements(By.cssSelector(".edit-results .skeleton")).isEmpty()
                && !browser.all("edit-row").isEmpty());
        // The grid may be drawn again as the last job events arrive: it is read whole, again if an element
        // went stale, once every picture has loaded.
        EditGrid grid = browser.waitFor("every picture of the edit grid loaded", UI, d -> readEditGrid());
        assertThat(grid.rows()).as("edit rows; %s", grid.text()).isEqualTo(1);
        assertThat(grid.word()).isEqualTo("blue");
        for (String side : List.of("plain", "kl")) {
            assertThat(grid.seeds().get(side)).as("%s seeds; %s", side, grid.text()).containsExactly("7", "8");
            assertThat(grid.scores().get(side)).as("%s scores", side)
                    .allMatch(score -> score.matches("-?[0-9.]+(e[-+]?\\d+)?"));
        }
        assertThat(browser.testId("edit-summary").getText()).contains("plain TI", "KL-TI");
        browser.screenshot("edit-test", By.cssSelector("[data-testid=edit-results]"));

        // The protocol: five pictures picked from the references and the edit test's pictures.
        assertThat(new Select(browser.testId("role-subject")).getFirstSelectedOption().getDomAttribute("value"))
                .as("the subject defaults to a reference").contains("/references/");
        pick("role-lookAlike", "/api/concepts/" + concept + "/references/ref-002.png");
        pick("role-otherSubject", "/api/concepts/" + concept + "/references/ref-003.png");
        List<String> generated = new Select(browser.testId("role-unrelated")).getOptions().stream()
                .map(o -> o.getDomAttribute("value")).filter(v -> v != null && v.startsWith("/api/outputs/")).toList();
        assertThat(generated).as("edit test pictures offered").hasSize(2 * PICTURES);
        pick("role-unrelated", generated.get(0));
        pick("role-subjectInContext", generated.get(generated.size() - 1));
        setText("protocol-context", "on the beach");
        browser.click(browser.testId("run-protocol"));
        browser.waitFor("the protocol report", JOB, d -> !browser.all("report-summary").isEmpty()
                || !browser.testId("protocol-message").getText().isEmpty()
                || browser.testId("protocol-report").getText().contains("failed"));
        assertThat(browser.testId("protocol-message").getText()).as("protocol message").isEmpty();
        assertThat(browser.testId("report-summary").findElements(By.cssSelector("tbody tr"))).as("summary rows").hasSize(4);
        assertThat(browser.all("report-variant")).hasSize(2);
        assertThat(browser.all("report-experiment")).hasSize(6);
        assertThat(browser.testId("claim-verdict").getText()).startsWith("claim ");
        assertThat(driver.findElements(By.cssSelector("[data-testid=protocol-report] td.num")).stream()
                .map(WebElement::getText).toList()).allMatch(t -> t.matches("-?[0-9.]+(e[-+]?\\d+)?"));
        browser.screenshot("protocol-report", By.cssSelector("[data-testid=protocol-report]"));

        // A reload finds the same pair, edit test and report from the address and the browser's record.
        driver.navigate().refresh();
        browser.waitFor("the edit grid after a reload", UI, d -> browser.all("edit-picture").size() == 2 * PICTURES
                && !browser.all("report-summary").isEmpty());

        List<String> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).filter(m -> !m.contains("status of 404")).toList();
        assertThat(errors).as("errors in the browser console").isEmpty();
    }

    /** The edit grid as the page shows it: rows, the first row's edit word, and per side its seeds and scores. */
    record EditGrid(int rows, String word, Map<String, List<String>> seeds, Map<String, List<String>> scores,
            String text) {}

    /** The grid, or null while a picture is still loading. */
    private EditGrid readEditGrid() {
        List<WebElement> rows = browser.all("edit-row");
        if (rows.isEmpty()) {
            return null;
        }
        Map<String, List<String>> seeds = new LinkedHashMap<>();
        Map<String, List<String>> scores = new LinkedHashMap<>();
        for (String side : List.of("plain", "kl")) {
            WebElement cell = rows.get(0).findElement(By.cssSelector("[data-testid=edit-" + side + "]"));
            List<WebElement> pictures = cell.findElements(By.cssSelector("[data-testid=edit-picture]"));
            List<String> sideSeeds = new ArrayList<>();
            List<String> sideScores = new ArrayList<>();
            for (WebElement picture : pictures) {
                if (!Boolean.TRUE.equals(browser.js("return arguments[0].complete && arguments[0].naturalWidth > 0",
                        picture.findElement(By.tagName("img"))))) {
                    return null;
                }
                sideSeeds.add(picture.getDomAttribute("data-seed"));
                sideScores.add(picture.findElement(By.cssSelector("[data-testid=edit-score]")).getText());
            }
            seeds.put(side, sideSeeds);
            scores.put(side, sideScores);
        }
        return new EditGrid(rows.size(), rows.get(0).getDomAttribute("data-word"), seeds, scores,
                browser.testId("edit-results").getText());
    }

    // ---- setup through the REST API ---------------------------------------------------------

    /** A concept with three references, trained 4 steps with the trainer's defaults; its id. */
    private String trainedConcept(int size) throws Exception {
        JsonNode created = send(HttpRequest.newBuilder(uri("/api/concepts")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\": \"Compare Corgi\", \"placeholder\": \"<compare-corgi>\", \"initializer\": \"dog\"}"))
                .build(), 201);
        String id = created.path("id").asString();
        String boundary = "----compare-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"corgi-" + i
                    + ".png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(png(i, size));
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        send(HttpRequest.newBuilder(uri("/api/concepts/" + id + "/references"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), 201);
        JsonNode job = send(HttpRequest.newBuilder(uri("/api/jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"train\", \"params\": {\"concept\": \"" + id
                        + "\", \"steps\": 4, \"batchSize\": 1, \"previewEvery\": 0, \"checkpointEvery\": 2, \"seed\": 5}}"))
                .build(), 202);
        long deadline = System.nanoTime() + JOB.toNanos();
        String state;
        do {
            Thread.sleep(250);
            state = get("/api/jobs/" + job.path("id").asString()).path("state").asString();
        } while ((state.equals("QUEUED") || state.equals("RUNNING")) && System.nanoTime() < deadline);
        assertThat(state).as("setup training: %s", get("/api/jobs/" + job.path("id").asString())).isEqualTo("SUCCEEDED");
        return id;
    }

    private JsonNode trainJobOf(String concept) throws Exception {
        for (JsonNode job : get("/api/jobs")) {
            if (job.path("type").asString().equals("train") && job.path("params").path("concept").asString().equals(concept)) {
                return job;
            }
        }
        throw new AssertionError("no training job for " + concept);
    }

    private JsonNode get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET().build(), 200);
    }

    private JsonNode send(HttpRequest request, int expected) throws Exception {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", request.method(), request.uri(), response.body()).isEqualTo(expected);
        return JsonMapper.shared().readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static byte[] png(int index, int size) throws IOException {
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    // ---- the browser --------------------------------------------------------------------------

    private void pick(String testId, String value) {
        new Select(browser.testId(testId)).selectByValue(value);
        assertThat(browser.testId(testId).getDomProperty("value")).isEqualTo(value);
    }

    private void setField(String testId, String value) {
        WebElement input = browser.testId(testId);
        browser.js("arguments[0].scrollIntoView({block: 'center'}); arguments[0].select()", input);
        input.sendKeys(value);
        assertThat(input.getDomProperty("value")).as(testId).isEqualTo(value);
    }

    private void setText(String testId, String value) {
        WebElement input = browser.testId(testId);
        browser.js("arguments[0].scrollIntoView({block: 'center'}); arguments[0].value = ''", input);
        if (!value.isEmpty()) {
            input.sendKeys(value);
        }
        assertThat(input.getDomProperty("value")).as(testId).isEqualTo(value);
    }

    private WebElement first(String id) {
        List<WebElement> found = browser.all(id);
        return found.isEmpty() ? null : found.get(0);
    }

}
