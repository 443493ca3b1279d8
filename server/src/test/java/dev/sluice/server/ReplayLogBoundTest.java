package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.config.ResumeSettings;
import dev.sluice.server.resume.ReplayMemory;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code resume.max_total_log_bytes}: under many browser streams, each far larger than the bound,
 * the bytes all replay logs hold never exceed it; clients that follow lose nothing; and every byte
 * is given back once the streams' retention ends.
 */
class ReplayLogBoundTest {
  private static final long LOG_BYTES = 64 * 1024;
  private static final long TOTAL = 2 * LOG_BYTES;

  /** About 2,000 words: some 110 KB of events, more than one log's cap and near the whole bound. */
  private static String prompt() {
    var b = new StringBuilder();
    for (int i = 0; i < 2_000; i++) b.append(i == 0 ? "" : " ").append("w").append(i);
    return b.toString();
  }

  private static String text(String body) throws Exception {
    var text = new StringBuilder();
    List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(body);
    for (var e : events) text.append(e.data().path("content").asText(""));
    assertThat(events.getLast().data().path("done").asBoolean()).as("the stream ends with done").isTrue();
    return text.toString();
  }

  @Test
  void theReplayLogsOfManyStreamsNeverHoldMoreThanTheirTotal() throws Exception {
    String prompt = prompt();
    String body = "{\"model\":\"sim/echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    try (TestGateway g = TestGateway.start(b -> b.resume(
        new ResumeSettings(Duration.ofSeconds(10), Duration.ofMillis(200), LOG_BYTES, TOTAL)))) {
      ReplayMemory memory = g.server.replayMemory();
      // Four clients leave after the first event: their streams generate on, with nobody reading.
      for (int i = 0; i < 4; i++) {
        try (Socket leaving = RawHttp.post(g.port(), "/api/chat", body)) {
          RawHttp.readUntil(leaving.getInputStream(), "\"stream\"");
        }
      }
      var followed = new ArrayList<CompletableFuture<HttpResponse<String>>>();
      for (int i = 0; i < 12; i++) {
        followed.add(g.http.sendAsync(HttpRequest.newBuilder(g.uri("/api/chat")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (var response : followed) {
        HttpResponse<String> r = response.get(30, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(text(r.body())).as("a client that follows loses no event").isEqualTo(prompt);
      }
      assertThat(memory.peak()).isLessThanOrEqualTo(TOTAL).isGreaterThan(TOTAL - LOG_BYTES);
      assertThat(Scrape.parse(g.get("/metrics").body()).sum("sluice_cap_refusals_total", "cap", "log_bytes"))
          .as("the total was full, so the bound did something").isPositive();
      // Every byte taken is given back: once all streams have ended and passed their retention, none is held.
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (memory.held() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
      assertThat(memory.held()).isZero();
    }
  }
}
