package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.policy.RetryPolicy;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sluice in front of a real (fake) OpenAI upstream: what clients see of each recorded stream and failure. */
class OpenAiUpstreamTest {
  static final String KEY = "sk-upstream-secret-4f9c";
  static final RetryPolicy ONE_ATTEMPT = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  static FakeUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start();
    // One attempt: this class pins what one upstream answer becomes; retries are ResilienceTest's.
    gateway = TestGateway.start(b -> b.openAi(KEY, upstream.baseUrl()).retry(ONE_ATTEMPT));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  static String request(String model, boolean includeUsage) {
    return "{\"model\":\"" + model + "\",\"stream\":true,"
        + (includeUsage ? "\"stream_options\":{\"include_usage\":true}," : "")
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  /** What a client can see of an OpenAI stream, folded: text, refusal, calls, finish reason, usage. */
  record Folded(String content, String refusal, Map<Integer, List<String>> calls, String finish, String usage) {}

  static Folded fold(List<String> dataLines) throws Exception {
    var content = new StringBuilder();
    var refusal = new StringBuilder();
    var calls = new TreeMap<Integer, List<String>>();
    String finish = null;
    String usage = null;
    for (String d : dataLines) {
      if (d.equals("[DONE]")) continue;
      JsonNode chunk = Json.MAPPER.readTree(d);
      if (chunk.has("error")) continue;
      if (chunk.hasNonNull("usage")) {
        JsonNode u = chunk.get("usage");
        usage = u.get("prompt_tokens") + "/" + u.get("completion_tokens") + "/"
            + u.at("/completion_tokens_details/reasoning_tokens").asInt(0);
      }
      for (JsonNode choice : chunk.get("choices")) {
        if (choice.get("index").asInt() != 0) continue;
        JsonNode delta = choice.get("delta");
        content.append(delta.path("content").asText(""));
        refusal.append(delta.path("refusal").asText(""));
        for (JsonNode call : delta.path("tool_calls")) {
          List<String> parts = calls.computeIfAbsent(call.get("index").asInt(), i -> new ArrayList<>(List.of("", "", "")));
          if (call.hasNonNull("id")) parts.set(0, call.get("id").asText());
          if (call.at("/function/name").isTextual()) parts.set(1, call.at("/function/name").asText());
          parts.set(2, parts.get(2) + call.at("/function/arguments").asText(""));
        }
        if (choice.hasNonNull("finish_reason")) finish = choice.get("finish_reason").asText();
      }
    }
    return new Folded(content.toString(), refusal.toString(), calls, finish, usage);
  }

  static List<String> fixtureData(String fixture) {
    String body = new String(Script.fixtureBytes("fixtures/openai/" + fixture), StandardCharsets.UTF_8);
    return ChatCompletionsEndpointTest.dataLines(body);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"text.sse", "tool-call.sse", "two-tool-calls.sse", "length.sse", "refusal.sse"})
  void relaysEachRecordedStreamWithEverythingAClientSees(String fixture) throws Exception {
    upstream.enqueue(Script.fromFixture("fixtures/openai/" + fixture));
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", request("openai/gpt-4o", true));
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> relayed = ChatCompletionsEndpointTest.dataLines(r.body());
    assertThat(relayed.getLast()).isEqualTo("[DONE]");
    assertThat(fold(relayed)).isEqualTo(fold(fixtureData(fixture)));
  }

  @Test
  void relaysTheTextStreamChunkForChunkAsOpenAiSentItButTheFingerprint() throws Exception {
    upstream.enqueue(Script.fromFixture("fixtures/openai/text.sse"));
    List<String> relayed = ChatCompletionsEndpointTest.dataLines(
        gateway.postJson("/v1/chat/completions", request("openai/gpt-4o", true)).body());
    List<String> recorded = fixtureData("text.sse");
    assertThat(relayed).hasSameSizeAs(recorded);
    for (int i = 0; i < recorded.size() - 2; i++) {
      ObjectNode expected = (ObjectNode) Json.MAPPER.readTree(recorded.get(i));
      expected.remove("system_fingerprint");
      assertThat(relayed.get(i)).as("chunk %d", i).isEqualTo(Json.MAPPER.writeValueAsString(expected));
    }
  }

  @Test
  void sendsTheUpstreamTheModelWithoutPrefixTheKeyAndAStreamWithUsage() throws Exception {
    upstream.enqueue(Script.openAiText("a", "b"));
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions",
        "{\"model\":\"openai/gpt-4o-mini\",\"temperature\":0.5,\"max_tokens\":7,\"user\":\"u-1\","
            + "\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    RecordedRequest seen = upstream.awaitRequest(Duration.ofSeconds(5));
    assertThat(seen.path()).isEqualTo(URI.create(upstream.baseUrl() + "/chat/completions").getPath());
    assertThat(seen.header("authorization")).isEqualTo("Bearer " + KEY);
    JsonNode body = seen.bodyJson();
    assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(body.get("stream").asBoolean()).isTrue();
    assertThat(body.at("/stream_options/include_usage").asBoolean()).isTrue();
    assertThat(body.get("temperature").asDouble()).isEqualTo(0.5);
    assertThat(body.get("max_tokens").asInt()).isEqualTo(7);
    assertThat(body.get("user").asText()).isEqualTo("u-1");
    assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
    // The client did not stream: it gets one completion built from the upstream's stream.
    JsonNode completion = Json.MAPPER.readTree(r.body());
    assertThat(completion.at("/choices/0/message/content").asText()).isEqualTo("ab");
    assertThat(completion.at("/usage/prompt_tokens").asInt()).isEqualTo(Script.OPENAI_PROMPT_TOKENS);
  }

  @Test
  void passesRateLimitsOnWithTheirStatusAndRetryAfter() throws Exception {
    upstream.enqueue(Script.json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
        + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}").header("retry-after", "7"));
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", request("gpt-4o", false));
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).hasValue("7");
    JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("rate_limit_error");
    // The upstream's words (which name the operator's organisation and limits) stay with the operator.
    assertThat(error.get("message").asText()).isEqualTo("upstream 'openai' returned HTTP 429 (rate_limit_exceeded)");
    assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
  }

  @Test
  void reportsAnUpstreamThatRejectsOurKeyAsABadGatewayWithoutTheKey() throws Exception {
    upstream.enqueue(Script.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY
        + ". You can find your API key at https://platform.openai.com.\",\"type\":\"invalid_request_error\","
        + "\"param\":null,\"code\":\"invalid_api_key\"}}"));
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", request("gpt-4o", false));
    // The client's own credentials are fine: the gateway's key for the upstream is not. 401 would
    // make SDKs tell the user to fix a key they do not hold.
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).doesNotContain(KEY).doesNotContain("4f9c").doesNotContain("Incorrect API key");
    JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("provider_auth_failed");
    assertThat(error.get("type").asText()).isEqualTo("upstream_error");
    // Through the Anthropic dialect too: no 401 (its SDK would ask the user for a new key).
    upstream.enqueue(Script.json(403, "{\"error\":{\"message\":\"Project proj_Abc123456789 lacks access\","
        + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"));
    HttpResponse<String> anthropic = gateway.postJson("/v1/messages",
        "{\"model\":\"gpt-4o\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(anthropic.statusCode()).isEqualTo(502);
    assertThat(anthropic.body()).doesNotContain("proj_").doesNotContain("lacks access");
  }

  @Test
  void endsWithAnErrorAndNeverDoneWhenTheUpstreamResetsMidStream() throws Exception {
    // Paced, so that the chunks before the RST are read: a reset may discard bytes not yet read.
    upstream.enqueue(Script.openAiText("one", " two", " three", " four").chunkDelay(Duration.ofMillis(100))
        .resetAfterChunks(3));
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", request("gpt-4o", true));
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> data = ChatCompletionsEndpointTest.dataLines(r.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(fold(data).content()).isEqualTo("one two");
    JsonNode error = Json.MAPPER.readTree(data.getLast()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("upstream_error");
    assertThat(r.body()).doesNotContain("finish_reason\":\"stop");
  }

  @Test
  void endsWithAnErrorWhenTheUpstreamStreamStopsBeforeDone() throws Exception {
    upstream.enqueue(Script.openAiText("half", " an", " answer").endAfterChunks(2));
    HttpResponse<String> r = gateway.postJson("/v1/chat/completions", request("gpt-4o", false));
    List<String> data = ChatCompletionsEndpointTest.dataLines(r.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(data.getLast()).contains("\"error\"");
  }

  @Test
  void relaysAnUpstreamErrorEventAsTheDialectsError() throws Exception {
    upstream.enqueue(Script.sse(
        "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"},\"finish_reason\":null}]}",
        "{\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
    HttpResponse<String> r = gateway.get("/api/chat/stream?prompt=x&model=openai/gpt-4o");
    List<BrowserEndpointTest.Event> events = BrowserEndpointTest.events(r.body());
    assertThat(events.get(1).data().get("content").asText()).isEqualTo("partial");
    JsonNode error = events.getLast().data().get("error");
    assertThat(error.get("message").asText()).isEqualTo("upstream 'openai' failed mid-stream");
    assertThat(error.get("retryable").asBoolean()).isTrue();
    assertThat(events).noneMatch(e -> e.data().has("done"));
  }
}
