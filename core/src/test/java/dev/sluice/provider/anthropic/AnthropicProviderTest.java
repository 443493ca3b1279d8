package dev.sluice.provider.anthropic;

import static dev.sluice.provider.anthropic.AnthropicTestSupport.hello;
import static dev.sluice.provider.anthropic.AnthropicTestSupport.provider;
import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.KEY;
import static dev.sluice.testkit.ProviderTestSupport.assertCancelEndsTheBlockedNextAndTheConnection;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.provider.EventStream;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import dev.sluice.stream.Started;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.ProviderTestSupport;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The request the provider sends, and how it reads error statuses, broken streams and cancels. */
class AnthropicProviderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private Transcript run(ChatRequest request, Script script) {
    return ProviderTestSupport.run(upstream, provider(upstream), request, script);
  }

  @Test
  void sendsAStreamingMessagesRequestWithTheKeyAndVersionHeaders() {
    Transcript t = run(hello(), Script.fromFixture("fixtures/anthropic/text.sse"));
    assertThat(t.content()).isEqualTo("Hello!");
    RecordedRequest r = upstream.requests().getFirst();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/v1/messages");
    assertThat(r.header("x-api-key")).isEqualTo(KEY);
    assertThat(r.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(r.header("authorization")).isNull();
    JsonNode body = r.bodyJson();
    assertThat(body.get("model").asText()).isEqualTo("claude-x");
    assertThat(body.get("max_tokens").asInt()).isEqualTo(AnthropicConfig.DEFAULT_MAX_TOKENS);
    assertThat(body.get("stream").asBoolean()).isTrue();
    assertThat(body.get("messages").toString())
        .isEqualTo("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello\"}]}]");
  }

  @Test
  void mapsSystemToolsToolCallsToolResultsImagesAndSampling() throws Exception {
    var messages = List.of(
        Message.text(Role.SYSTEM, "Be brief."),
        Message.text(Role.DEVELOPER, "Use metric units."),
        new Message(Role.USER, List.of(new ContentPart.Text("Weather here?"),
            new ContentPart.Image("data:image/png;base64,iVBORw0KGgo=", null),
            new ContentPart.Image("https://example.com/a.jpg", "high")), null, null, null),
        new Message(Role.ASSISTANT, List.of(new ContentPart.Text("Checking.")),
            List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"),
                new ToolCall("call_2", "get_time", "{}")), null, null),
        new Message(Role.TOOL, List.of(new ContentPart.Text("21C")), null, "call_1", null),
        new Message(Role.TOOL, List.of(new ContentPart.Text("12:00")), null, "call_2", null),
        Message.text(Role.USER, "Thanks; and tomorrow?"));
    var request = new ChatRequest("claude-x", messages,
        List.of(new ToolDefinition("get_weather", "Weather by city", "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}", true),
            new ToolDefinition("get_time", null, null, null)),
        new ToolChoice(ToolChoice.Mode.REQUIRED, null), new Sampling(0.5, 0.9, null, null, null), 300,
        List.of("END"), "user-7", true, false, null, false);
    run(request, Script.fromFixture("fixtures/anthropic/text.sse"));
    JsonNode body = upstream.requests().getFirst().bodyJson();
    JsonNode expected = JSON.readTree("""
        {"model":"claude-x","max_tokens":300,
         "system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Use metric units."}],
         "messages":[
          {"role":"user","content":[{"type":"text","text":"Weather here?"},
            {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
            {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]},
          {"role":"assistant","content":[{"type":"text","text":"Checking."},
            {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
            {"type":"tool_use","id":"call_2","name":"get_time","input":{}}]},
          {"role":"user","content":[
            {"type":"tool_result","tool_use_id":"call_1","content":[{"type":"text","text":"21C"}]},
            {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"12:00"}]},
            {"type":"text","text":"Thanks; and tomorrow?"}]}],
         "tools":[{"name":"get_weather","description":"Weather by city",
                   "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                  {"name":"get_time","input_schema":{"type":"object","properties":{}}}],
         "tool_choice":{"type":"any","disable_parallel_tool_use":true},
         "temperature":0.5,"top_p":0.9,"stop_sequences":["END"],"metadata":{"user_id":"user-7"},"stream":true}
        """);
    assertThat(body).isEqualTo(expected);
  }

  @Test
  void whatAnthropicCannotExpressFailsAsAnInvalidRequestAndNothingIsSent() {
    var seed = new ChatRequest("claude-x", hello().messages(), List.of(), null, new Sampling(null, null, 7L, null, null),
        null, List.of(), null, true, false, null, null);
    var hot = new ChatRequest("claude-x", hello().messages(), List.of(), null, new Sampling(1.5, null, null, null, null),
        null, List.of(), null, true, false, null, null);
    var format = new ChatRequest("claude-x", hello().messages(), List.of(), null, Sampling.DEFAULT, null, List.of(),
        null, true, false, "{\"type\":\"json_object\"}", null);
    var ftp = ChatRequest.of("claude-x", List.of(new Message(Role.USER,
        List.of(new ContentPart.Image("ftp://x/y.png", null)), null, null, null)));
    var badArgs = ChatRequest.of("claude-x", List.of(Message.text(Role.USER, "hi"),
        new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("c", "f", "[1]")), null, null)));
    for (var entry : Map.of("seed", seed, "temperature", hot, "response_format", format,
        "messages[0].content", ftp, "messages[1].tool_calls[0].function.arguments", badArgs).entrySet()) {
      Transcript t = Transcript.drain(provider(upstream).stream(entry.getValue()), DEADLINE);
      assertThat(t.failure().type()).as(entry.getKey()).isEqualTo(ErrorType.INVALID_REQUEST);
      assertThat(t.failure().param()).isEqualTo(entry.getKey());
    }
    assertThat(upstream.requests()).isEmpty();
  }

  @Test
  void overloaded529IsTypedWithRetryAfterAndTheBodysMessage() {
    Transcript t = run(hello(), Script.json(529,
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_1\"}")
        .header("retry-after", "3"));
    GatewayError e = t.failure();
    assertThat(e.type()).isEqualTo(ErrorType.UPSTREAM_OVERLOADED);
    assertThat(e.upstreamStatus()).isEqualTo(529);
    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(e.message()).isEqualTo("upstream 'anthropic' returned HTTP 529 (overloaded_error)");
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void errorStatusesMapByStatusAndNeverShowTheKey() {
    Transcript t = run(hello(), Script.json(401,
        "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key " + KEY + "\"}}"));
    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(t.failure().httpStatus()).isEqualTo(502);
    assertThat(t.failure().code()).isEqualTo("provider_auth_failed");
    assertThat(t.failure().message()).doesNotContain(KEY).doesNotContain("invalid x-api-key");

    t = run(hello(), Script.json(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}"));
    assertThat(t.failure().type()).isEqualTo(ErrorType.RATE_LIMITED);
    t = run(hello(), Script.json(400, "not json at all"));
    assertThat(t.failure().type()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(t.failure().message()).contains("not json at all");
  }

  @Test
  void aBodyThatEndsBeforeMessageStopFails() {
    byte[] body = Script.fixtureBytes("fixtures/anthropic/text.sse");
    String text = new String(body, StandardCharsets.UTF_8);
    // Everything up to and including message_delta (end_turn), without message_stop.
    String cut = text.substring(0, text.indexOf("event: message_stop"));
    Transcript t = run(hello(), Script.sseBody(cut));
    assertThat(t.content()).isEqualTo("Hello!");
    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
    assertThat(t.failure().message()).contains("before message_stop");
  }

  @Test
  void aMalformedEventFailsNamingIt() {
    Transcript t = run(hello(), Script.sseBody("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}\n\n"));
    assertThat(t.failure().message()).contains("input_json_delta for block 0");
    t = run(hello(), Script.sseBody("event: message_start\ndata: {not json\n\n"));
    assertThat(t.failure().message()).contains("malformed");
  }

  @Test
  void cancelWhileReadingClosesTheUpstreamConnectionAtOnce() throws Exception {
    byte[] body = Script.fixtureBytes("fixtures/anthropic/text.sse");
    upstream.enqueue(Script.sseBody(body).hangAfterChunks(4));
    EventStream stream = provider(upstream).stream(hello());
    assertThat(stream.next()).isInstanceOf(Started.class);
    stream.next(); // the early usage report
    assertThat(stream.next()).isEqualTo(TextDelta.content("Hello"));

    assertCancelEndsTheBlockedNextAndTheConnection(stream, upstream);
  }

  @Test
  void cancelWhileWaitingForHeadersClosesTheUpstreamConnectionAtOnce() throws Exception {
    upstream.enqueue(Script.fromFixture("fixtures/anthropic/text.sse").hangBeforeHeaders());
    EventStream stream = provider(upstream).stream(hello());

    assertCancelEndsTheBlockedNextAndTheConnection(stream, upstream);
  }
}
