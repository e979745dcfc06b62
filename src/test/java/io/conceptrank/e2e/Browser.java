package io.conceptrank.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium for the browser tests: started with both paths explicit (so Selenium
 * Manager, which would download a driver, never runs), elements by {@code data-testid}, waits,
 * scripts, numbered screenshots in {@code target/e2e-screenshots}, and a failure with what the page
 * showed and what the browser logged.
 */
final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String SKIP = "Chromium not found: install Debian's chromium and chromium-driver "
            + "(apt-get install chromium chromium-driver), as .ci/run does";
    static final Path SHOTS = Path.of("target", "e2e-screenshots").toAbsolutePath();

    private final ChromeDriver driver;
    private final String test;
    private final String prefix;
    private final long started = System.nanoTime();
    private int shot;

    private Browser(ChromeDriver driver, String test, String prefix) {
        this.driver = driver;
        this.test = test;
        this.prefix = prefix;
    }

    /** Checked before the server starts; the reason also goes to the console, where Maven shows no skip reasons. */
    static boolean installed(String test) {
        boolean found = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!found) {
            System.err.println(test + " skipped: " + SKIP);
        }
        return found;
    }

    /** A browser whose profile and driver log live in {@code root}; screenshots are named {@code prefix}NN-stage.png. */
    static Browser start(Path root, String test, String prefix) throws IOException {
        Files.createDirectories(root);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .withLogFile(root.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(root, "chromium-profile"), "--window-size=1280,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        return new Browser(new ChromeDriver(service, options), test, prefix);
    }

    ChromeDriver driver() {
        return driver;
    }

    /** A screenshot with {@code focus} scrolled to the top of the window. */
    void screenshot(String stage, By focus) throws IOException {
        js("arguments[0].scrollIntoView({block: 'start'})", driver.findElement(focus));
        screenshot(stage);
    }

    void screenshot(String stage) throws IOException {
        Files.createDirectories(SHOTS);
        Path file = SHOTS.resolve(String.format("%s%02d-%s.png", prefix, ++shot, stage));
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("%s screenshot at %.1f s: %s%n", test, (System.nanoTime() - started) / 1e9, file);
    }

    /** The failure with what the page showed and what the browser logged, and a last screenshot. */
    AssertionError diagnosed(Throwable failure) {
        StringBuilder out = new StringBuilder(String.valueOf(failure.getMessage()));
        try {
            screenshot("failure");
            out.append("\n--- page ").append(driver.getCurrentUrl()).append(" ---\n").append(pageText());
            out.append("\n--- browser console ---\n").append(driver.manage().logs().get(LogType.BROWSER).getAll()
                    .stream().map(LogEntry::toString).collect(Collectors.joining("\n")));
        } catch (Throwable e) {
            out.append("\n(diagnostics incomplete: ").append(e).append(')');
        }
        return new AssertionError(out.toString(), failure);
    }

    String pageText() {
        return driver.findElement(By.tagName("body")).getText();
    }

    <T> T waitFor(String what, Duration timeout, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, timeout, Duration.ofMillis(100))
                .withMessage("waited " + timeout.toSeconds() + " s for " + what)
                .ignoring(StaleElementReferenceException.class)
                .until(condition);
    }

    void click(WebElement element) {
        js("arguments[0].scrollIntoView({block: 'center'})", element);
        element.click();
    }

    WebElement testId(String id) {
        return driver.findElement(By.cssSelector("[data-testid='" + id + "']"));
    }

    List<WebElement> all(String id) {
        return driver.findElements(By.cssSelector("[data-testid='" + id + "']"));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    @Override
    public void close() {
        driver.quit();
    }
}
