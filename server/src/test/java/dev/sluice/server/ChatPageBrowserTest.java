package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The chat page at {@code /} in a real headless Chromium against a real gateway, one browser for the class. */
class ChatPageBrowserTest {
  private static Browser browser;

  @BeforeAll
  static void startBrowser() throws Exception {
    browser = Browser.start();
  }

  @AfterAll
  static void stopBrowser() throws Exception {
    if (browser != null) browser.close();
  }

  /** A gateway whose sim speaks at {@code tokensPerSecond}, every stream recorded. */
  private static TestGateway gateway(RecordingProvider sim) throws Exception {
    return TestGateway.start(b -> b, sim);
  }

  private static RecordingProvider sim(double tokensPerSecond) {
    return new RecordingProvider(new SimProvider(new SimConfig(tokensPerSecond, Duration.ZERO)));
  }

  private void open(TestGateway gateway) {
    browser.driver.get(gateway.uri("/").toString());
    browser.await(5, "the model list", d -> d.findElements(By.cssSelector("#model option[value='sim/echo']")).size() == 1);
  }

  /** Types into the message box and sends with Enter, as a person does. */
  private void say(String text) {
    WebElement prompt = browser.driver.findElement(By.id("prompt"));
    prompt.sendKeys(text);
    prompt.sendKeys(Keys.ENTER);
  }

  private WebElement lastAnswer() {
    List<WebElement> answers = browser.driver.findElements(By.cssSelector(".msg.assistant"));
    return answers.getLast();
  }

  private WebElement awaitAnswer(int n, String status) {
    return browser.await(10, "answer " + n + " to be " + status, d -> {
      List<WebElement> answers = d.findElements(By.cssSelector(".msg.assistant"));
      return answers.size() == n && status.equals(answers.getLast().getAttribute("data-status")) ? answers.getLast() : null;
    });
  }

  @Test
  void streamsAnAnswerVisiblyShowsItsUsageAndSendsTheHistoryNextTurn() throws Exception {
    RecordingProvider sim = sim(80);
    try (TestGateway gateway = gateway(sim)) {
      open(gateway);
      new Select(browser.driver.findElement(By.id("model"))).selectByValue("sim/chat");
      // Counts changes to answer bodies as they happen, to see the text arrive piece by piece.
      browser.js("""
          window.bodyUpdates = 0;
          new MutationObserver((records) => {
            for (const r of records) {
              const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
              if (el?.closest('.msg.assistant .body')) window.bodyUpdates++;
            }
          }).observe(document.getElementById('log'), {subtree: true, childList: true, characterData: true});""");
      say("Tell me about rivers");
      WebElement answer = awaitAnswer(1, "done");
      assertThat(((Number) browser.js("return window.bodyUpdates")).intValue()).isGreaterThanOrEqualTo(5);
      String first = answer.findElement(By.cssSelector(".body")).getText();
      assertThat(first.split("\\s+").length).isBetween(40, 119);
      assertThat(answer.findElement(By.cssSelector(".meta")).getText())
          .matches("\\d+ tokens \\(\\d+ in, \\d+ out\\) · \\$0 · first token \\d+ ms · \\d+\\.\\d s");
      assertThat(answer.findElement(By.cssSelector(".role")).getText()).isEqualToIgnoringCase("Assistant · sim/chat");
      browser.screenshot("chat-laptop");
      assertThat(browser.js("return document.activeElement.id")).as("focus back in the message box").isEqualTo("prompt");

      say("And about lakes?");
      awaitAnswer(2, "done");
      sim.awaitStream(Duration.ofSeconds(1));
      List<Message> sent = sim.awaitStream(Duration.ofSeconds(1)).request.messages();
      assertThat(sent).extracting(Message::role).containsExactly(Role.USER, Role.ASSISTANT, Role.USER);
      assertThat(sent.get(0).text()).isEqualTo("Tell me about rivers");
      assertThat(sent.get(1).text().split("\\s+")).containsExactly(first.split("\\s+"));
      assertThat(sent.get(2).text()).isEqualTo("And about lakes?");

      browser.size(390, 844);
      browser.screenshot("chat-phone");
      assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= window.innerWidth")).isTrue();
      browser.size(1280, 800);
    }
  }

  @Test
  void stopAbortsTheUpstreamAtOnce() throws Exception {
    RecordingProvider sim = sim(20);
    try (TestGateway gateway = gateway(sim)) {
      open(gateway);
      new Select(browser.driver.findElement(By.id("model"))).selectByValue("sim/chat");
      say("Say a lot");
      browser.await(5, "some text", d -> d.findElement(By.cssSelector(".msg.assistant .body")).getText().length() > 10);
      RecordingProvider.Recorded upstream = sim.awaitStream(Duration.ofSeconds(1));
      long clicked = System.nanoTime();
      browser.driver.findElement(By.id("stop")).click();
      long cancelled = upstream.cancelledAt.get(2, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(cancelled - clicked)).isLessThan(Duration.ofSeconds(1));
      upstream.closed.get(2, TimeUnit.SECONDS);
      WebElement answer = awaitAnswer(1, "aborted");
      assertThat(answer.findElement(By.cssSelector(".notice")).getText()).isEqualTo("Stopped.");
      assertThat(browser.driver.findElement(By.id("send")).isEnabled()).isTrue();
      assertThat(browser.driver.findElement(By.id("stop")).isEnabled()).isFalse();
    }
  }

  @Test
  void modelOutputIsShownAsTextNeverAsMarkup() throws Exception {
    try (TestGateway gateway = gateway(sim(0))) {
      open(gateway);
      new Select(browser.driver.findElement(By.id("model"))).selectByValue("sim/echo");
      String hostile = "<script>document.title='pwned'</script> <img src=x onerror=\"document.title='pwned'\"> "
          + "[click](javascript:document.title='pwned') **bold** and `<b>code</b>`";
      say(hostile);
      WebElement body = awaitAnswer(1, "done").findElement(By.cssSelector(".body"));
      assertThat(body.findElements(By.cssSelector("script, img, b, a"))).isEmpty();
      assertThat(body.findElement(By.tagName("strong")).getText()).isEqualTo("bold");
      assertThat(body.findElement(By.tagName("code")).getText()).isEqualTo("<b>code</b>");
      assertThat(body.getText()).contains("<script>document.title='pwned'</script>", "<img src=x onerror=")
          .contains("[click](javascript:document.title='pwned')");
      assertThat(browser.driver.getTitle()).isEqualTo("Sluice");
    }
  }

  @Test
  void showsAnErrorPlainlyAndRetriesWhenAsked() throws Exception {
    try (TestGateway gateway = gateway(sim(0))) {
      browser.driver.get(gateway.uri("/?model=nobody/none&prompt=hello%20again").toString());
      WebElement answer = awaitAnswer(1, "error");
      assertThat(answer.findElement(By.cssSelector(".error")).getText()).startsWith("Error: ").contains("nobody/none");
      browser.await(5, "the model list", d -> d.findElements(By.cssSelector("#model option[value='sim/echo']")).size() == 1);
      new Select(browser.driver.findElement(By.id("model"))).selectByValue("sim/echo");
      answer.findElement(By.cssSelector("button.retry")).click();
      WebElement retried = awaitAnswer(1, "done");
      assertThat(retried.findElement(By.cssSelector(".body")).getText()).isEqualTo("hello again");
      assertThat(browser.driver.findElements(By.cssSelector(".msg.user"))).hasSize(1);
    }
  }

  @Test
  void resumesAfterADroppedConnectionWithNoTextTwiceAndOneGeneration() throws Exception {
    RecordingProvider sim = sim(25);
    try (TestGateway gateway = gateway(sim); var proxy = new CuttableProxy(gateway.port())) {
      browser.driver.get("http://127.0.0.1:" + proxy.port() + "/");
      browser.await(5, "the model list", d -> d.findElements(By.cssSelector("#model option[value='sim/echo']")).size() == 1);
      new Select(browser.driver.findElement(By.id("model"))).selectByValue("sim/chat");
      say("Tell me a long story");
      browser.await(5, "a few words", d -> d.findElement(By.cssSelector(".msg.assistant .body")).getText().split("\\s+").length >= 5);
      assertThat(lastAnswer().getAttribute("data-status")).isNull();
      proxy.cutAll();
      WebElement answer = awaitAnswer(1, "done");
      assertThat(answer.getAttribute("data-reconnects")).as("reconnect attempts").isNotNull();
      sim.awaitStream(Duration.ofSeconds(1));
      assertThatThrownBy(() -> sim.awaitStream(Duration.ZERO)).as("a second generation").isInstanceOf(AssertionError.class);
      // sim/chat says the same for the same conversation: the answer it gives directly is the expected text.
      String expected = BrowserEndpointTest.events(gateway.postJson("/api/chat",
              "{\"model\":\"sim/chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story\"}]}").body())
          .stream().map(e -> e.data().path("content").asText("")).collect(java.util.stream.Collectors.joining());
      assertThat(answer.findElement(By.cssSelector(".body")).getText().split("\\s+")).containsExactly(expected.trim().split("\\s+"));
    }
  }
}
