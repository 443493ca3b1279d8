package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.provider.sim.SimProvider;
import dev.sluice.server.config.Timeouts;
import dev.sluice.server.relay.H2cConnection;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watchdog's deadlines and heartbeats, with short configured deadlines rather than sleeps. */
class DeadlinesTest {
  private static final String STREAM =
      "{\"model\":\"sim/chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

  private static Timeouts timeouts(Duration firstToken, Duration idle, Duration total) {
    return new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), firstToken, idle, total);
  }

  @Test
  void answers504WhenNoFirstTokenArrivesInTime() throws Exception {
    var provider = new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ofMinutes(1))));
    try (TestGateway gateway = TestGateway.start(
        b -> b.heartbeat(Duration.ZERO).retry(OpenAiUpstreamTest.ONE_ATTEMPT)
            .timeouts(timeouts(Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofMinutes(1))),
        provider)) {
      HttpResponse<String> r = gateway.postJson("/v1/chat/completions", STREAM);
      assertThat(r.statusCode()).isEqualTo(504);
      JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
      assertThat(error.get("type").asText()).isEqualTo("upstream_timeout");
      assertThat(error.get("code").asText()).isEqualTo("first_token");
      assertThat(provider.awaitStream(Duration.ofSeconds(1)).closed.get(5, TimeUnit.SECONDS)).isNull();
    }
  }

  @Test
  void endsTheStreamWithAnErrorNotDoneWhenTheUpstreamGoesQuiet() throws Exception {
    // One token every two seconds against a 300 ms idle deadline: the first token flows, then the stall.
    var provider = new RecordingProvider(new SimProvider(new SimConfig(0.5, Duration.ZERO)));
    try (TestGateway gateway = TestGateway.start(
        b -> b.heartbeat(Duration.ZERO).timeouts(timeouts(Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofMinutes(1))),
        provider)) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = gateway.postJson("/v1/chat/completions", STREAM);
      // The stall is cut by the 300 ms idle deadline, not by the 5 s first-token one.
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"content\":").doesNotContain("[DONE]").doesNotContain("finish_reason\":\"stop");
      String last = ChatCompletionsEndpointTest.dataLines(r.body()).getLast();
      JsonNode error = Json.MAPPER.readTree(last).get("error");
      assertThat(error.get("type").asText()).isEqualTo("upstream_timeout");
      assertThat(error.get("code").asText()).isEqualTo("idle");
    }
  }

  @Test
  void endsAStreamThatOutlivesItsTotalDeadline() throws Exception {
    var provider = new RecordingProvider(new SimProvider(new SimConfig(20, Duration.ZERO)));
    try (TestGateway gateway = TestGateway.start(
        b -> b.heartbeat(Duration.ZERO).timeouts(timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(400))),
        provider)) {
      HttpResponse<String> r = gateway.get("/api/chat/stream?prompt=x&model=sim/chat");
      JsonNode last = BrowserEndpointTest.events(r.body()).getLast().data();
      assertThat(last.at("/error/type").asText()).isEqualTo("upstream_timeout");
      assertThat(last.at("/error/retryable").asBoolean()).isTrue();
      assertThat(r.body()).doesNotContain("\"done\"");
    }
  }

  @Test
  void sendsHeartbeatCommentsWhileWaitingForTheFirstToken() throws Exception {
    var provider = new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ofMillis(700))));
    try (TestGateway gateway = TestGateway.start(b -> b.heartbeat(Duration.ofMillis(100)), provider)) {
      HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
          "{\"model\":\"sim/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(r.statusCode()).isEqualTo(200);
      String beforeFirstChunk = r.body().substring(0, r.body().indexOf("data: "));
      assertThat(beforeFirstChunk.split(": ping\n", -1).length - 1).isGreaterThanOrEqualTo(3);
      assertThat(ChatCompletionsEndpointTest.untimed(r.body())).endsWith("data: [DONE]\n\n");
    }
  }

  @Test
  void waitsForASlowFirstTokenLongerThanTheWriteTimeout() throws Exception {
    // The write timeout bounds a client that accepts nothing, not an upstream that thinks: with
    // heartbeats off, a first token after three write timeouts still streams through. 1,000 ms,
    // not 900: a write that begins in the very millisecond the idle timer expires is failed by
    // Jetty (a window of about a millisecond per expiry, only with heartbeats off), and a delay of
    // exactly three timeouts made this test land in it about 1 run in 20.
    var provider = new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ofMillis(1_000))));
    try (TestGateway gateway = TestGateway.start(b -> b.heartbeat(Duration.ZERO).writeTimeout(Duration.ofMillis(300)),
        provider)) {
      HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
          "{\"model\":\"sim/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"still here\"}]}");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(ChatCompletionsEndpointTest.untimed(r.body())).contains("\"still\"").endsWith("data: [DONE]\n\n");
      assertThat(provider.awaitStream(Duration.ofSeconds(1)).cancelledAt).isNotDone();
    }
  }

  /**
   * The same on h2c, where each stream has its own idle timer besides the connection's: a first
   * token after several write timeouts still streams through, and the stream is not reset.
   */
  @Test
  void waitsForASlowFirstTokenLongerThanTheWriteTimeoutOnH2c() throws Exception {
    var provider = new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ofMillis(1_000))));
    try (TestGateway gateway = TestGateway.start(b -> b.heartbeat(Duration.ZERO).writeTimeout(Duration.ofMillis(300)),
        provider); var client = H2cConnection.open(gateway.port())) {
      String body = client.postJson("/v1/chat/completions",
          "{\"model\":\"sim/echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"still here\"}]}")
          .body().get(10, TimeUnit.SECONDS);
      assertThat(ChatCompletionsEndpointTest.untimed(body)).contains("\"still\"").endsWith("data: [DONE]\n\n");
      assertThat(provider.awaitStream(Duration.ofSeconds(1)).cancelledAt).isNotDone();
    }
  }

  @Test
  void sendsAnthropicPingEventsWhileAMessagesStreamWaits() throws Exception {
    var provider = new RecordingProvider(new SimProvider(new SimConfig(0, Duration.ofMillis(700))));
    try (TestGateway gateway = TestGateway.start(b -> b.heartbeat(Duration.ofMillis(100)), provider)) {
      HttpResponse<String> r = gateway.postJson("/v1/messages",
          "{\"model\":\"sim/echo\",\"max_tokens\":50,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(r.statusCode()).isEqualTo(200);
      String beforeStart = r.body().substring(0, r.body().indexOf("event: message_start"));
      assertThat(beforeStart.split("event: ping\ndata: \\{\"type\": \"ping\"}\n\n", -1).length - 1)
          .isGreaterThanOrEqualTo(3);
      assertThat(r.body()).doesNotContainPattern("(?m)^: ping").contains("event: message_stop");
    }
  }
}
