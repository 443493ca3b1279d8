package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.policy.BreakerSettings;
import dev.sluice.policy.RetryPolicy;
import dev.sluice.provider.sim.SimConfig;
import dev.sluice.server.config.ModelPolicy;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} after a known workload: every count is the one the workload implies. */
class MetricsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Scrape scrape(TestGateway gateway) throws Exception {
    HttpResponse<String> r = gateway.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
    return Scrape.parse(r.body());
  }

  /** Scrapes until {@code condition} holds (metrics recorded after the response was complete), for at most 10 s. */
  static Scrape awaitScrape(TestGateway gateway, Predicate<Scrape> condition) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Scrape s = scrape(gateway);
    while (!condition.test(s) && System.nanoTime() < end) {
      Thread.onSpinWait();
      s = scrape(gateway);
    }
    return s;
  }

  @Test
  void countsAKnownWorkloadByDialectProviderModelAndEnd() throws Exception {
    try (TestGateway gateway = TestGateway.start()) {
      long output = 0;
      long input = 0;
      long gaps = 0;
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"sim/echo\",\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"one two three "
            + "four five " + i + "\"}]}");
        List<String> data = ChatCompletionsEndpointTest.dataLines(r.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        JsonNode usage = JSON.readTree(data.get(data.size() - 2)).get("usage");
        output += usage.get("completion_tokens").asLong();
        input += usage.get("prompt_tokens").asLong();
        gaps += usage.get("completion_tokens").asLong() - 1;
      }
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> r = gateway.postJson("/v1/messages", "{\"model\":\"sim/echo\",\"max_tokens\":100,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"alpha beta gamma " + i + "\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode usage = JSON.readTree(r.body()).get("usage");
        output += usage.get("output_tokens").asLong();
        input += usage.get("input_tokens").asLong();
        gaps += usage.get("output_tokens").asLong() - 1;
      }
      HttpResponse<String> unknown = gateway.postJson("/v1/chat/completions",
          "{\"model\":\"nobody/nothing\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(unknown.statusCode()).isEqualTo(404);
      HttpResponse<String> browser = gateway.get("/api/chat/stream?model=sim/echo&prompt="
          + URLEncoder.encode("red green blue", StandardCharsets.UTF_8));
      JsonNode done = null;
      for (String line : browser.body().split("\n")) {
        if (line.startsWith("data: ") && line.contains("\"done\"")) done = JSON.readTree(line.substring(6));
      }
      assertThat(done).as("the browser stream's done event").isNotNull();
      output += done.get("usage").get("completionTokens").asLong();
      input += done.get("usage").get("promptTokens").asLong();
      gaps += done.get("usage").get("completionTokens").asLong() - 1;

      Scrape s = awaitScrape(gateway, x -> x.sum("sluice_requests_total") == 7);
      assertThat(s.sum("sluice_requests_total", "dialect", "openai", "provider", "sim", "model", "sim/echo",
          "stream", "true", "status", "completed")).isEqualTo(3);
      assertThat(s.sum("sluice_requests_total", "dialect", "anthropic", "provider", "sim", "model", "sim/echo",
          "stream", "false", "status", "completed")).isEqualTo(2);
      assertThat(s.sum("sluice_requests_total", "dialect", "openai", "provider", "none", "model", "none",
          "status", "rejected")).isEqualTo(1);
      assertThat(s.sum("sluice_requests_total", "dialect", "browser", "model", "sim/echo", "status", "completed"))
          .isEqualTo(1);
      assertThat(s.sum("sluice_requests_total")).isEqualTo(7);
      assertThat(s.sum("sluice_request_duration_seconds_count")).isEqualTo(7);
      assertThat(s.sum("sluice_time_to_first_token_seconds_count", "dialect", "openai", "model", "sim/echo")).isEqualTo(3);
      assertThat(s.sum("sluice_time_to_first_token_seconds_count")).as("every completed request had a first token")
          .isEqualTo(6);
      assertThat(s.sum("sluice_time_to_first_token_seconds_bucket", "le", "+Inf")).isEqualTo(6);
      assertThat(s.sum("sluice_chunk_gap_seconds_count", "provider", "sim", "model", "sim/echo")).isEqualTo(gaps);
      assertThat(s.sum("sluice_tokens_total", "type", "output", "model", "sim/echo")).isEqualTo(output);
      assertThat(s.sum("sluice_tokens_total", "type", "input", "model", "sim/echo")).isEqualTo(input);
      assertThat(s.sum("sluice_upstream_attempts_total", "provider", "sim", "model", "sim/echo")).isEqualTo(6);
      assertThat(s.sum("sluice_retries_total")).isZero();
      // A fresh scrape: the one above may straddle the last request's end (meters are read one by one).
      Scrape after = scrape(gateway);
      assertThat(after.sum("sluice_streams_open")).isZero();
      assertThat(after.sum("sluice_streams_blocked_on_client")).isZero();
      assertThat(s.sum("sluice_client_disconnects_total")).isZero();
      assertThat(s.sum("sluice_circuit_breaker_state", "model", "sim/echo", "state", "closed")).isEqualTo(1);
      // sim answers are priced, at zero: the counter exists and adds nothing.
      assertThat(s.has("sluice_cost_usd_total")).isTrue();
      assertThat(s.sum("sluice_cost_usd_total", "model", "sim/echo")).isZero();
      assertThat(s.sum("sluice_ledger_write_seconds_count")).as("one ledger row per request, rejected included")
          .isEqualTo(7);
      assertThat(s.sum("sluice_ledger_queue_depth")).isZero();
      assertThat(s.has("jvm_memory_used_bytes")).as("JVM binders").isTrue();
      assertThat(s.has("jvm_threads_live_threads")).isTrue();
    }
  }

  @Test
  void countsRetriesFallbacksUpstreamErrorsAndBreakerState() throws Exception {
    var retry = new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(10));
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()).retry(retry)
            .circuitBreaker(new BreakerSettings(true, 2, Duration.ofMinutes(5), 1))
            .aliases(Map.of("fast", "openai/gpt-4o"))
            .modelPolicies(Map.of("fast", new ModelPolicy(List.of("sim/echo"), FaultMatrixTest.TIMEOUTS))))) {
      // Request 1: a 503, then the retry answers.
      upstream.enqueue(Script.json(503, "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}"));
      upstream.enqueue(Script.openAiText("fine"));
      assertThat(gateway.postJson("/v1/chat/completions", chat("fast")).statusCode()).isEqualTo(200);
      // Request 2: two 500s spend the attempts (and open the breaker), the fallback answers.
      upstream.enqueue(Script.json(500, "{\"error\":{\"message\":\"broken\",\"type\":\"server_error\"}}"));
      upstream.enqueue(Script.json(500, "{\"error\":{\"message\":\"broken\",\"type\":\"server_error\"}}"));
      assertThat(gateway.postJson("/v1/chat/completions", chat("fast")).statusCode()).isEqualTo(200);

      Scrape s = awaitScrape(gateway, x -> x.sum("sluice_requests_total") == 2);
      assertThat(s.sum("sluice_upstream_attempts_total", "provider", "openai", "model", "openai/gpt-4o")).isEqualTo(4);
      assertThat(s.sum("sluice_retries_total", "model", "openai/gpt-4o")).isEqualTo(2);
      assertThat(s.sum("sluice_fallbacks_total", "provider", "sim", "model", "sim/echo")).isEqualTo(1);
      assertThat(s.sum("sluice_upstream_errors_total", "provider", "openai", "status", "503")).isEqualTo(1);
      assertThat(s.sum("sluice_upstream_errors_total", "provider", "openai", "status", "500")).isEqualTo(2);
      assertThat(s.sum("sluice_circuit_breaker_state", "model", "openai/gpt-4o", "state", "open")).isEqualTo(1);
      assertThat(s.sum("sluice_circuit_breaker_state", "model", "openai/gpt-4o", "state", "closed")).isZero();
      assertThat(s.sum("sluice_requests_total", "provider", "openai", "model", "openai/gpt-4o", "status", "completed"))
          .isEqualTo(1);
      assertThat(s.sum("sluice_requests_total", "provider", "sim", "model", "sim/echo", "status", "completed"))
          .as("labelled by the model that answered").isEqualTo(1);
    }
  }

  @Test
  void countsAClientDisconnectAndTimesItsCancel() throws Exception {
    // 5 tokens a second: the stream is still running when the client leaves.
    try (TestGateway gateway = TestGateway.start(b -> b.sim(new SimConfig(5, Duration.ZERO)))) {
      try (Socket socket = RawHttp.post(gateway.port(), "/v1/chat/completions",
          "{\"model\":\"sim/chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"tell me\"}]}")) {
        RawHttp.readUntil(socket.getInputStream(), "data: ");
        assertThat(scrape(gateway).sum("sluice_streams_open")).isEqualTo(1);
      }
      // The cancel is timed on the thread that saw the disconnect, the request counted on its own thread.
      // A scrape reads its meters one by one: one that sees the request counted may still read the
      // disconnect counter from just before its increment, so the wait is for all three.
      Scrape s = awaitScrape(gateway, x -> x.sum("sluice_requests_total") == 1
          && x.sum("sluice_disconnect_cancel_seconds_count") == 1 && x.sum("sluice_client_disconnects_total") == 1);
      assertThat(s.sum("sluice_client_disconnects_total", "dialect", "openai")).isEqualTo(1);
      assertThat(s.sum("sluice_requests_total", "status", "aborted", "model", "sim/chat")).isEqualTo(1);
      assertThat(s.sum("sluice_disconnect_cancel_seconds_count")).isEqualTo(1);
      assertThat(s.sum("sluice_disconnect_cancel_seconds_bucket", "le", "1.0")).as("cancelled within a second").isEqualTo(1);
      // A scrape reads its meters one by one, so it may straddle the request's end; the stream was
      // closed before the request was counted, so any scrape after that count sees it gone.
      assertThat(scrape(gateway).sum("sluice_streams_open")).isZero();
    }
  }

  @Test
  void showsAStreamBlockedOnAClientThatReadsNothing() throws Exception {
    var pieces = new ArrayList<String>();
    for (int i = 0; i < 20_000; i++) pieces.add("x".repeat(1000));
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl())
            .heartbeat(Duration.ZERO).writeTimeout(Duration.ofSeconds(20)))) {
      upstream.enqueue(Script.openAiText(pieces.toArray(String[]::new)));
      var socket = new Socket();
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
      RecordedRequest seen;
      try (socket) {
        RawHttp.post(socket, "/v1/chat/completions",
            "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        seen = upstream.awaitRequest(Duration.ofSeconds(5));
        // Nothing is read: the buffers fill and the relay's write stays incomplete.
        Scrape s = awaitScrape(gateway, x -> x.sum("sluice_streams_blocked_on_client") == 1);
        assertThat(s.sum("sluice_streams_blocked_on_client")).isEqualTo(1);
        assertThat(s.sum("sluice_streams_open")).isEqualTo(1);
      }
      seen.clientGone().get(30, java.util.concurrent.TimeUnit.SECONDS);
      Scrape after = awaitScrape(gateway, x -> x.sum("sluice_requests_total") == 1);
      assertThat(scrape(gateway).sum("sluice_streams_blocked_on_client")).isZero();
      assertThat(after.sum("sluice_client_disconnects_total"))
          .as("a client disconnect; the request ended as %s", after.samples().stream()
              .filter(x -> x.name().equals("sluice_requests_total")).map(x -> x.labels().get("status")).toList())
          .isEqualTo(1);
    }
  }

  static String chat(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}";
  }

  @Test
  void modelsNobodyConfiguredOrPricedShareOneLabelAndNoMeterNamesAKey() throws Exception {
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-upstream", upstream.baseUrl())
            .retry(LedgerContract.ONE_ATTEMPT))) {
      gateway.postJson("/v1/chat/completions", "{\"model\":\"openai/gpt-4o-mini\",\"stream\":true,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      int before = gateway.get("/metrics").body().split("\n").length;
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> r = gateway.postJson("/v1/chat/completions", "{\"model\":\"openai/random-" + i
            + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
      }
      awaitScrape(gateway, sc -> sc.sum("sluice_requests_total", "model", "other") >= 50);
      String text = gateway.get("/metrics").body();
      assertThat(text).doesNotContain("random-").contains("model=\"other\"").contains("model=\"openai/gpt-4o-mini\"")
          .doesNotContain("key=\"");
      // 50 new names cost a fixed set of "other" series, not 50 of them (about 65 lines each before).
      assertThat(text.split("\n").length - before).isLessThan(150);
    }
  }
}
