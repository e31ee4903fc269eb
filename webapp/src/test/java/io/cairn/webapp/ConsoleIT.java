package io.cairn.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless Chromium through chromedriver) against the real WAR on a real
 * Liberty: it lists a topic created through the API, charts the records produced to it, and shows them in the record
 * browser, and shows the projections refreshing live with a rebuild's progress. Screenshots go to
 * {@code target/console.png} (overview), {@code target/console-records.png} and {@code target/console-projections.png}.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConsoleIT {
    private static final String CHROMIUM = System.getProperty("cairn.it.chromium", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("cairn.it.chromedriver", "/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(45);

    private Path profile;
    private WebDriver browser;

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.cairnWar();
    }

    @BeforeEach
    void startBrowser() throws IOException {
        Http.awaitReady(Duration.ofSeconds(90));
        for (String exe : List.of(CHROMIUM, CHROMEDRIVER)) {
            assertThat(new File(exe).canExecute())
                    .as(exe + " is missing: apt-get install -y chromium chromium-driver (see .ci/run)").isTrue();
        }
        profile = Files.createTempDirectory("cairn-chromium-");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--window-size=1440,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, WAIT);
    }

    private static void produce(String topic, int from, int count) {
        StringBuilder b = new StringBuilder("[");
        for (int i = from; i < from + count; i++) {
            b.append(i == from ? "" : ",").append("{\"key\":\"order-").append(i).append("\",\"partition\":0,")
                    .append("\"value\":{\"event\":\"placed\",\"n\":").append(i).append("},\"headers\":{\"source\":\"console-it\"}}");
        }
        Http.Reply r = Http.postJson("/api/topics/" + topic + "/records", b.append("]").toString());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private void screenshot(String name) {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        try {
            Files.copy(shot.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theCdcPageShowsWhyAConnectorConfigurationIsRefused() {
        browser.get(Http.base() + "/#/cdc");
        WebElement config = waiting().until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("textarea[data-cdc-config]")));
        config.clear();
        config.sendKeys("{\"name\":\"console-cdc\",\"config\":{\"type\":\"postgres\",\"database.hostname\":\"127.0.0.1\"}}");
        browser.findElement(By.cssSelector("button[data-cdc-create]")).click();
        WebElement error = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("pre[data-cdc-error]")));
        assertThat(error.getText()).contains("database.user: required").contains("database.dbname: required");
        screenshot("console-cdc.png");
        assertThat(Http.get("/api/cdc/connectors/console-cdc").status()).as("nothing was created").isEqualTo(404);
    }

    @Test
    void listsATopicChartsItsThroughputAndBrowsesItsRecords() throws InterruptedException {
        String topic = "console-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":2}").status()).isEqualTo(201);
        produce(topic, 0, 30);

        browser.get(Http.base() + "/");
        assertThat(browser.getTitle()).isEqualTo("Cairn console");
        WebElement row = waiting().until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#topics-table tr[data-topic='" + topic + "']")));
        assertThat(row.getText()).contains(topic).contains("30");
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("kafka-status"), "Kafka localhost:"));

        // Keep producing while the page samples /api/stats: the throughput chart gets points above zero.
        int produced = 30;
        WebElement chart = browser.findElement(By.id("chart-records"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline && !(points(chart) >= 5 && Double.parseDouble(chart.getDomAttribute("data-max")) > 0)) {
            produce(topic, produced, 10);
            produced += 10;
            Thread.sleep(300);
        }
        assertThat(points(chart)).as("throughput points").isGreaterThanOrEqualTo(5);
        assertThat(Double.parseDouble(chart.getDomAttribute("data-max"))).as("largest records/s").isPositive();
        assertThat(browser.findElement(By.id("rate-records")).getText()).endsWith("/s");
        screenshot("console.png");

        row = browser.findElement(By.cssSelector("#topics-table tr[data-topic='" + topic + "'] a"));
        row.click();
        WebElement partitions = waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("partitions-table")));
        assertThat(partitions.getText()).contains("Browse records");
        assertThat(partitions.findElements(By.cssSelector("tbody tr"))).hasSize(2);
        waiting().until(d -> points(d.findElement(By.id("chart-topic-records"))) > 0);
        screenshot("console-topic.png");
        partitions.findElements(By.linkText("Browse records")).get(0).click();

        WebElement records = waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("records-table")));
        List<WebElement> rows = records.findElements(By.cssSelector("tbody tr"));
        assertThat(rows).hasSize(20);
        assertThat(rows.get(0).getDomAttribute("data-offset")).isEqualTo("0");
        assertThat(rows.get(0).getText()).contains("order-0").contains("{\"event\":\"placed\",\"n\":0}").contains("source=console-it");
        assertThat(browser.findElement(By.id("records-range")).getText()).startsWith("Offsets 0 – 19 of 0 – ");
        screenshot("console-records.png");

        browser.findElement(By.linkText("Next ›")).click();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("records-range"), "Offsets 20 – 39"));
        assertThat(browser.findElement(By.cssSelector("#records-table tbody tr")).getText()).contains("order-20");
    }

    @Test
    void showsConsumerGroupsWithTheirLag() {
        String topic = "console-groups-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(Http.postJson("/api/topics", "{\"name\":\"" + topic + "\",\"partitions\":2}").status()).isEqualTo(201);
        produce(topic, 0, 12);
        String group = "console-" + UUID.randomUUID().toString().substring(0, 8);
        try (KafkaConsumer<String, String> c = KafkaClients.consumer(group)) {
            c.subscribe(List.of(topic));
            assertThat(KafkaClients.pollUntil(c, 12)).hasSize(12);
            c.commitSync(Duration.ofSeconds(60));
            produce(topic, 12, 5);

            browser.get(Http.base() + "/#/groups");
            WebElement card = waiting().until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("section[data-group='" + group + "']")));
            waiting().until(d -> d.findElement(By.cssSelector("section[data-group='" + group + "']")).getText().contains("lag 5"));
            card = browser.findElement(By.cssSelector("section[data-group='" + group + "']"));
            assertThat(card.getText()).contains("Stable").contains("1 member(s)").contains(topic);
            screenshot("console-groups.png");
        }
    }

    @Test
    void showsProjectionsLiveAndARebuildsProgress() {
        browser.get(Http.base() + "/#/projections");
        By card = By.cssSelector("section[data-projection='account_balances']");
        waiting().until(d -> d.findElement(card).getText().contains("running"));
        String before = browser.findElement(card).getText();
        assertThat(before).contains("generation").contains("events/s");
        // Events arrive while the page is open (an account opened through the SDK's bank API): the card refreshes.
        String account = "console-" + UUID.randomUUID().toString().substring(0, 8);
        Http.Reply r = Http.postJson("/api/bank/accounts", "{\"accountId\":\"" + account + "\",\"owner\":\"Console\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        waiting().until(d -> !d.findElement(card).getText().equals(before) && d.findElement(card).getText().contains("lag 0"));
        assertThat(browser.findElement(card).getText()).contains("bank-accounts");

        browser.findElement(card).findElement(By.xpath(".//button[text()='Rebuild']")).click();
        waiting().until(d -> !d.findElements(By.cssSelector("section[data-projection='account_balances'] [data-rebuild-state='DONE']")).isEmpty());
        WebElement rebuilt = browser.findElement(card);
        assertThat(rebuilt.getText()).contains("Rebuild into generation").contains("(100.0 %)");
        assertThat(browser.findElement(By.cssSelector("section[data-dead-letters]")).getText()).contains("Dead letters");
        screenshot("console-projections.png");
    }

    private static int points(WebElement chart) {
        String p = chart.getDomAttribute("data-points");
        return p == null ? 0 : Integer.parseInt(p);
    }
}
