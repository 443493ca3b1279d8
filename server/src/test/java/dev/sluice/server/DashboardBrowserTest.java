package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The dashboard at {@code /dashboard} in a real headless Chromium, after real requests. Each panel
 * must show a chart when its endpoint has data and a plain empty state when the endpoint is absent
 * (404): which one is expected is decided by asking the gateway itself, so the test holds on a
 * gateway with and without {@code /v1/usage} and {@code /metrics}.
 */
class DashboardBrowserTest {
  private static Browser browser;
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    browser = Browser.start();
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (browser != null) browser.close();
    } finally {
      if (gateway != null) gateway.close();
    }
  }

  @Test
  void drawsWhatTheGatewayReportsAndSaysPlainlyWhatIsMissing() throws Exception {
    for (String model : List.of("sim/chat", "sim/echo", "sim/echo")) {
      HttpResponse<String> r = gateway.postJson("/api/chat",
          "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}]}");
      assertThat(r.body()).contains("\"done\":true");
    }
    assertThat(gateway.postJson("/api/chat", "{\"model\":\"nobody/none\",\"messages\":[]}").statusCode()).isGreaterThanOrEqualTo(400);
    String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
    int usage = gateway.get("/v1/usage?from=" + today + "&to=" + today + "&group_by=status").statusCode();
    HttpResponse<String> metrics = gateway.get("/metrics");

    browser.driver.get(gateway.uri("/dashboard").toString());
    browser.await(10, "the first refresh", d -> d.findElement(By.tagName("body")).getAttribute("data-loaded") != null);
    assertThat((Boolean) browser.js("return typeof uPlot === 'function'")).as("uPlot loaded from its WebJar").isTrue();
    assertThat(browser.driver.findElement(By.id("status")).getText()).startsWith("Updated ");

    for (String panel : List.of("cost-panel", "tokens-panel", "status-panel")) {
      WebElement p = browser.driver.findElement(By.id(panel));
      if (usage == 200) {
        assertThat(p.getAttribute("data-state")).as(panel).isEqualTo("chart");
        assertThat(p.findElements(By.cssSelector(".uplot canvas"))).as(panel).isNotEmpty();
      } else {
        assertThat(p.getAttribute("data-state")).as(panel).isEqualTo("empty");
        assertThat(p.findElement(By.cssSelector(".empty")).getText())
            .isEqualTo("No usage data: this gateway does not serve it (HTTP " + usage + ").");
      }
    }
    if (usage == 200) {
      assertThat(browser.driver.findElement(By.id("requests")).getText()).isNotEqualTo("–");
    }
    WebElement ttft = browser.driver.findElement(By.id("ttft-panel"));
    if (metrics.statusCode() == 200 && metrics.body().matches("(?s).*sluice_\\w*(ttft|first_token)\\w*_bucket.*")) {
      assertThat(ttft.getAttribute("data-state")).isEqualTo("chart");
      assertThat(ttft.findElements(By.cssSelector(".uplot canvas"))).isNotEmpty();
    } else if (metrics.statusCode() == 404) {
      assertThat(ttft.findElement(By.cssSelector(".empty")).getText())
          .isEqualTo("No metrics: this gateway does not serve it (HTTP 404).");
      assertThat(browser.driver.findElement(By.id("open")).getText()).isEqualTo("–");
    }
    browser.screenshot("dashboard-laptop");
    browser.size(390, 844);
    browser.driver.navigate().refresh();
    browser.await(10, "the first refresh", d -> d.findElement(By.tagName("body")).getAttribute("data-loaded") != null);
    assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= window.innerWidth")).isTrue();
    browser.screenshot("dashboard-phone");
  }
}
