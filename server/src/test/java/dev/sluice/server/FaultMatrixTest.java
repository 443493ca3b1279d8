package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.json.Json;
import dev.sluice.policy.BreakerSettings;
import dev.sluice.policy.RetryPolicy;
import dev.sluice.server.config.Timeouts;
import dev.sluice.sse.SseEvent;
import dev.sluice.sse.SseParser;
import dev.sluice.stream.ErrorType;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every upstream fault against every client dialect, with the resilience rules as expectations: how
 * many attempts the upstream saw, and what the client saw. A fault before the first token is retried
 * (three attempts) unless it is the request's fault; after it, the stream ends with the dialect's
 * error and never with a normal end. A retried success delivers the answer exactly once, byte for
 * byte what a clean run delivers. Deadlines and backoffs are milliseconds, so nothing sleeps.
 */
// A broken policy must fail a test, not hang it.
@Timeout(20)
class FaultMatrixTest {
  /** Short, yet long enough for a cold JVM's first connection: an extra attempt would fail a case. */
  static final Duration FIRST_TOKEN = Duration.ofMillis(500);
  static final Duration IDLE = Duration.ofMillis(300);
  static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), FIRST_TOKEN, IDLE,
      Duration.ofSeconds(10));
  static final RetryPolicy RETRY = new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5),
      Duration.ofSeconds(5), Duration.ofSeconds(1));
  /** Off here: a breaker would turn the third case of a fault into a skip. BreakerTest covers it. */
  static final BreakerSettings NO_BREAKER = new BreakerSettings(false, 1, Duration.ofSeconds(1), 1);

  enum Dialect { OPENAI_STREAM, OPENAI_WHOLE, ANTHROPIC_STREAM, BROWSER, RESPONSES_STREAM, RESPONSES_WHOLE }

  private static final String HEAD = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\",";
  private static final String ROLE = HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}";

  private static String piece(String text) {
    return HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}";
  }

  /** What the rules say the client gets. */
  sealed interface Expect {}

  /** The answer, exactly once. */
  record Answer(String text) implements Expect {}

  /** An error before anything was written: its status (OpenAI dialects) and type. */
  record FailsBefore(int status, String type, String code) implements Expect {}

  /** Text, then the dialect's in-stream error; a whole response answers the error's status instead. */
  record FailsAfter(String textSoFar, int wholeStatus, String type, String code) implements Expect {}

  record Fault(String name, List<Script> scripts, int attempts, Expect expect) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static List<Script> times(int n, Script s) {
    var out = new ArrayList<Script>();
    for (int i = 0; i < n; i++) out.add(s);
    return out;
  }

  private static final String TEXT = "one two three";

  static List<Fault> faults() {
    Script text = Script.openAiText("one", " two", " three");
    return List.of(
        new Fault("429 with retry-after-ms", times(3, Script.json(429,
            "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}")
            .header("retry-after-ms", "20")), 3, new FailsBefore(429, "rate_limit_error", "rate_limit_exceeded")),
        new Fault("500", times(3, Script.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}")), 3,
            new FailsBefore(502, "upstream_error", null)),
        new Fault("503", times(3, Script.json(503, "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}")), 3,
            new FailsBefore(503, "upstream_overloaded", null)),
        new Fault("529", times(3, Script.json(529, "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}")),
            3, new FailsBefore(503, "upstream_overloaded", null)),
        new Fault("slow first token", times(3, text.firstChunkDelay(Duration.ofSeconds(2))), 3,
            new FailsBefore(504, "upstream_timeout", "first_token")),
        new Fault("400 is never retried", List.of(Script.json(400,
            "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}")),
            1, new FailsBefore(400, "invalid_request_error", "context_length_exceeded")),
        new Fault("reset after 2 tokens", List.of(text.chunkDelay(Duration.ofMillis(30)).resetAfterChunks(3)), 1,
            new FailsAfter("one two", 502, "upstream_error", null)),
        new Fault("stall after 2 tokens", List.of(text.hangAfterChunks(3)), 1,
            new FailsAfter("one two", 504, "upstream_timeout", "idle")),
        new Fault("malformed JSON after 2 tokens", List.of(Script.sse(ROLE, piece("one"), piece(" two"), "{\"id\":")), 1,
            new FailsAfter("one two", 502, "upstream_error", null)),
        new Fault("error event after a token", List.of(Script.sse(ROLE, piece("partial"),
            "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}")), 1,
            new FailsAfter("partial", 502, "upstream_error", null)),
        new Fault("overload event after a token", List.of(Script.sse(ROLE, piece("partial"),
            "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}")), 1,
            new FailsAfter("partial", 503, "upstream_overloaded", null)),
        new Fault("503 on the first attempt only", List.of(Script.json(503, "{\"error\":{\"message\":\"busy\"}}"), text), 2,
            new Answer(TEXT)),
        new Fault("reset before the first event, once", List.of(text.resetAfterChunks(0), text), 2, new Answer(TEXT)),
        new Fault("overload event before any token, once", List.of(Script.sse(
            "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}"), text), 2, new Answer(TEXT)),
        new Fault("slow first token, once", List.of(text.firstChunkDelay(Duration.ofSeconds(2)), text), 2,
            new Answer(TEXT)));
  }

  static Stream<Arguments> matrix() {
    return faults().stream().flatMap(f -> Stream.of(Dialect.values()).map(d -> Arguments.of(f, d)));
  }

  @ParameterizedTest(name = "{0} / {1}")
  @MethodSource("matrix")
  void eachFaultInEachDialect(Fault fault, Dialect dialect) throws Exception {
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start(b -> b.openAi("sk-test", upstream.baseUrl()).timeouts(TIMEOUTS)
            .retry(RETRY).circuitBreaker(NO_BREAKER).heartbeat(Duration.ZERO))) {
      // Scripts beyond the expected attempts would be the default success: one attempt too many shows.
      fault.scripts().forEach(upstream::enqueue);
      HttpResponse<String> r = call(gateway, dialect);
      assertThat(upstream.requests()).as("upstream attempts").hasSize(fault.attempts());
      switch (fault.expect()) {
        case Answer a -> assertAnswer(gateway, upstream, dialect, r, a);
        case FailsBefore f -> assertFailsBefore(dialect, r, f);
        case FailsAfter f -> assertFailsAfter(dialect, r, f);
      }
    }
  }

  static HttpResponse<String> call(TestGateway gateway, Dialect dialect) throws Exception {
    return switch (dialect) {
      case OPENAI_STREAM -> gateway.postJson("/v1/chat/completions", OpenAiUpstreamTest.request("openai/gpt-4o", false));
      case OPENAI_WHOLE -> gateway.postJson("/v1/chat/completions",
          "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      case ANTHROPIC_STREAM -> gateway.postJson("/v1/messages",
          "{\"model\":\"openai/gpt-4o\",\"max_tokens\":50,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      case BROWSER -> gateway.get("/api/chat/stream?prompt=hi&model=openai/gpt-4o");
      case RESPONSES_STREAM -> gateway.postJson("/v1/responses", "{\"model\":\"openai/gpt-4o\",\"input\":\"hi\",\"stream\":true}");
      case RESPONSES_WHOLE -> gateway.postJson("/v1/responses", "{\"model\":\"openai/gpt-4o\",\"input\":\"hi\"}");
    };
  }

  /** The named events of an Anthropic stream, parsed by the spec-exact parser. */
  static List<SseEvent> anthropicEvents(String body) {
    var events = new ArrayList<SseEvent>();
    var parser = new SseParser(events::add);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    parser.feed(bytes, 0, bytes.length);
    parser.end();
    return events;
  }

  /** The text an Anthropic client reads: every text_delta, in order. */
  static String anthropicText(List<SseEvent> events) throws Exception {
    var text = new StringBuilder();
    for (SseEvent e : events) {
      if (!e.type().equals("content_block_delta")) continue;
      JsonNode delta = Json.MAPPER.readTree(e.data()).get("delta");
      if (delta.get("type").asText().equals("text_delta")) text.append(delta.get("text").asText());
    }
    return text.toString();
  }

  /** The text a Responses client reads: every {@code response.output_text.delta}, in order. */
  static String responsesText(List<SseEvent> events) throws Exception {
    var text = new StringBuilder();
    for (SseEvent e : events) {
      if (e.type().equals("response.output_text.delta")) text.append(Json.MAPPER.readTree(e.data()).get("delta").asText());
    }
    return text.toString();
  }

  /** Anthropic's name for the error type the OpenAI dialect calls {@code openAiType}. */
  static String anthropicType(String openAiType) {
    return Arrays.stream(ErrorType.values()).filter(t -> t.openAiType().equals(openAiType)).findFirst()
        .orElseThrow().anthropicType();
  }

  private static void assertAnswer(TestGateway gateway, FakeUpstream upstream, Dialect dialect, HttpResponse<String> r,
      Answer a) throws Exception {
    assertThat(r.statusCode()).isEqualTo(200);
    switch (dialect) {
      case OPENAI_STREAM, OPENAI_WHOLE -> {
        // Byte for byte what a clean run gives: no trace of the failed attempt, the text once.
        upstream.enqueue(Script.openAiText("one", " two", " three"));
        HttpResponse<String> clean = call(gateway, dialect);
        assertThat(ChatCompletionsEndpointTest.untimed(r.body())).isEqualTo(ChatCompletionsEndpointTest.untimed(clean.body()));
        if (dialect == Dialect.OPENAI_STREAM) {
          assertThat(OpenAiUpstreamTest.fold(ChatCompletionsEndpointTest.dataLines(r.body())).content()).isEqualTo(a.text());
          assertThat(ChatCompletionsEndpointTest.untimed(r.body())).endsWith("data: [DONE]\n\n");
        } else {
          assertThat(Json.MAPPER.readTree(r.body()).at("/choices/0/message/content").asText()).isEqualTo(a.text());
        }
      }
      case RESPONSES_STREAM -> {
        upstream.enqueue(Script.openAiText("one", " two", " three"));
        assertThat(ChatCompletionsEndpointTest.untimed(r.body()))
            .isEqualTo(ChatCompletionsEndpointTest.untimed(call(gateway, dialect).body()));
        List<SseEvent> events = anthropicEvents(r.body());
        assertThat(responsesText(events)).isEqualTo(a.text());
        assertThat(events).filteredOn(e -> e.type().equals("response.created")).hasSize(1);
        assertThat(events.getLast().type()).isEqualTo("response.completed");
      }
      case RESPONSES_WHOLE -> {
        JsonNode response = Json.MAPPER.readTree(r.body());
        assertThat(response.get("status").asText()).isEqualTo("completed");
        assertThat(response.at("/output/0/content/0/text").asText()).isEqualTo(a.text());
      }
      case ANTHROPIC_STREAM -> {
        upstream.enqueue(Script.openAiText("one", " two", " three"));
        assertThat(ChatCompletionsEndpointTest.untimed(r.body()))
            .isEqualTo(ChatCompletionsEndpointTest.untimed(call(gateway, dialect).body()));
        List<SseEvent> events = anthropicEvents(r.body());
        assertThat(anthropicText(events)).isEqualTo(a.text());
        assertThat(events).filteredOn(e -> e.type().equals("message_start")).hasSize(1);
        assertThat(events.getLast().type()).isEqualTo("message_stop");
      }
      case BROWSER -> {
        List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(r.body());
        assertThat(events).filteredOn(e -> e.data().has("stream")).hasSize(1);
        assertThat(events.getFirst().data().get("model").asText()).isEqualTo("openai/fake-model");
        var text = new StringBuilder();
        events.forEach(e -> text.append(e.data().path("content").asText("")));
        assertThat(text.toString()).isEqualTo(a.text());
        assertThat(events.getLast().data().get("done").asBoolean()).isTrue();
        assertThat(events).noneMatch(e -> e.data().has("error"));
      }
    }
  }

  private static void assertFailsBefore(Dialect dialect, HttpResponse<String> r, FailsBefore f) throws Exception {
    assertThat(r.body()).doesNotContain("[DONE]").doesNotContain("\"done\"").doesNotContain("\"content\"")
        .doesNotContain("response.created");
    JsonNode error;
    if (dialect == Dialect.BROWSER) {
      // EventSource cannot read an error status's body: one error event, nothing else.
      assertThat(r.statusCode()).isEqualTo(200);
      List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(r.body());
      assertThat(events).hasSize(1);
      error = events.getFirst().data().get("error");
    } else if (dialect == Dialect.ANTHROPIC_STREAM) {
      assertThat(r.statusCode()).isEqualTo(f.status());
      JsonNode body = Json.MAPPER.readTree(r.body());
      assertThat(body.get("type").asText()).isEqualTo("error");
      assertThat(body.at("/error/type").asText()).isEqualTo(anthropicType(f.type()));
      return;
    } else {
      assertThat(r.statusCode()).isEqualTo(f.status());
      error = Json.MAPPER.readTree(r.body()).get("error");
      if (f.code() != null) assertThat(error.get("code").asText()).isEqualTo(f.code());
    }
    assertThat(error.get("type").asText()).isEqualTo(f.type());
  }

  private static void assertFailsAfter(Dialect dialect, HttpResponse<String> r, FailsAfter f) throws Exception {
    switch (dialect) {
      case OPENAI_STREAM -> {
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> data = ChatCompletionsEndpointTest.dataLines(r.body());
        assertThat(data).doesNotContain("[DONE]");
        assertThat(r.body()).doesNotContain("\"finish_reason\":\"");
        assertThat(OpenAiUpstreamTest.fold(data).content()).isEqualTo(f.textSoFar());
        JsonNode error = Json.MAPPER.readTree(data.getLast()).get("error");
        assertThat(error.get("type").asText()).isEqualTo(f.type());
        if (f.code() != null) assertThat(error.get("code").asText()).isEqualTo(f.code());
        // Every line but the error is a chunk: nothing after the error, no second role chunk.
        assertThat(data.subList(0, data.size() - 1)).allMatch(d -> d.contains("chat.completion.chunk"));
        assertThat(data).filteredOn(d -> d.contains("\"role\"")).hasSize(1);
      }
      case ANTHROPIC_STREAM -> {
        assertThat(r.statusCode()).isEqualTo(200);
        List<SseEvent> events = anthropicEvents(r.body());
        assertThat(events).noneMatch(e -> e.type().equals("message_stop") || e.type().equals("message_delta"));
        assertThat(anthropicText(events)).isEqualTo(f.textSoFar());
        SseEvent last = events.getLast();
        assertThat(last.type()).isEqualTo("error");
        assertThat(Json.MAPPER.readTree(last.data()).at("/error/type").asText()).isEqualTo(anthropicType(f.type()));
      }
      case RESPONSES_STREAM -> {
        // Never response.completed: the stream ends with response.failed and its error.
        assertThat(r.statusCode()).isEqualTo(200);
        List<SseEvent> events = anthropicEvents(r.body());
        assertThat(events).noneMatch(e -> e.type().equals("response.completed") || e.type().equals("response.incomplete"));
        assertThat(responsesText(events)).isEqualTo(f.textSoFar());
        SseEvent last = events.getLast();
        assertThat(last.type()).isEqualTo("response.failed");
        JsonNode response = Json.MAPPER.readTree(last.data()).get("response");
        assertThat(response.get("status").asText()).isEqualTo("failed");
        assertThat(response.at("/error/code").asText()).isEqualTo("server_error");
      }
      case OPENAI_WHOLE, RESPONSES_WHOLE -> {
        // Nothing was written before the failure: the whole response is the error, with its status.
        assertThat(r.statusCode()).isEqualTo(f.wholeStatus());
        JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo(f.type());
      }
      case BROWSER -> {
        List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(r.body());
        assertThat(events).noneMatch(e -> e.data().has("done"));
        var text = new StringBuilder();
        events.forEach(e -> text.append(e.data().path("content").asText("")));
        assertThat(text.toString()).isEqualTo(f.textSoFar());
        assertThat(events.getLast().data().at("/error/type").asText()).isEqualTo(f.type());
      }
    }
  }
}
