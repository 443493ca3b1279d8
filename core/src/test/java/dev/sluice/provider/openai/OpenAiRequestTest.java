package dev.sluice.provider.openai;

import static dev.sluice.provider.openai.OpenAiTestSupport.hello;
import static dev.sluice.provider.openai.OpenAiTestSupport.provider;
import static dev.sluice.testkit.ProviderTestSupport.CLIENT;
import static dev.sluice.testkit.ProviderTestSupport.DEADLINE;
import static dev.sluice.testkit.ProviderTestSupport.KEY;
import static dev.sluice.testkit.ProviderTestSupport.upstreamConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.provider.UpstreamConfig;
import dev.sluice.stream.ChatRequest;
import dev.sluice.stream.ContentPart;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Message;
import dev.sluice.stream.Role;
import dev.sluice.stream.Sampling;
import dev.sluice.stream.ToolCall;
import dev.sluice.stream.ToolChoice;
import dev.sluice.stream.ToolDefinition;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.RecordedRequest;
import dev.sluice.testkit.Transcript;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the provider sends: the HTTP request line and headers, and the JSON body mapped from the canonical request. */
class OpenAiRequestTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  final FakeUpstream upstream = FakeUpstream.start();

  private RecordedRequest send(OpenAiProvider provider, ChatRequest request) {
    Transcript t = Transcript.drain(provider.stream(request), DEADLINE);
    assertThat(t.content()).isEqualTo(FakeUpstream.DEFAULT_TEXT);
    return upstream.awaitRequest(DEADLINE);
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aReasoningEffortIsSentAsReasoningEffort() {
    ChatRequest request = new ChatRequest("o4-mini", List.of(Message.text(Role.USER, "Hi")), null, null, null,
        null, null, null, true, false, null, null, "low");

    assertThat(send(provider(upstream), request).bodyJson().get("reasoning_effort").asText()).isEqualTo("low");
    assertThat(send(provider(upstream), hello()).bodyJson().has("reasoning_effort")).isFalse();
  }

  @Test
  void postsToChatCompletionsWithBearerKeyJsonAndEventStreamOverHttp11() {
    RecordedRequest r = send(provider(upstream), hello());

    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/v1/chat/completions");
    assertThat(r.header("authorization")).isEqualTo("Bearer " + KEY);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    assertThat(r.header("accept")).isEqualTo("text/event-stream");
    // Cleartext goes as plain HTTP/1.1: no h2c upgrade attempt that local servers would choke on.
    assertThat(r.header("upgrade")).isNull();
    assertThat(r.header("http2-settings")).isNull();
    // No compression offered: an upstream compressing the stream would hold tokens back to fill blocks.
    assertThat(r.header("accept-encoding")).isNull();
  }

  @Test
  void aMinimalRequestAlwaysAsksForAStreamWithTheUsageChunkAndWritesNoUnsetField() {
    RecordedRequest r = send(provider(upstream), hello());

    assertThat(r.bodyJson()).isEqualTo(json("""
        {"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}],
         "stream":true,"stream_options":{"include_usage":true}}"""));
  }

  @Test
  void streamAndUsageAreRequestedEvenWhenTheClientAskedForNeither() {
    ChatRequest nonStreaming = new ChatRequest("gpt-4o", List.of(Message.text(Role.USER, "Hi")), null, null, null,
        null, null, null, false, false, null, null);

    JsonNode body = send(provider(upstream), nonStreaming).bodyJson();

    assertThat(body.get("stream").asBoolean()).isTrue();
    assertThat(body.at("/stream_options/include_usage").asBoolean()).isTrue();
  }

  @Test
  void everyCanonicalFieldIsMappedToItsChatCompletionsField() {
    ChatRequest request = new ChatRequest(
        "gpt-4o",
        List.of(
            Message.text(Role.SYSTEM, "Be brief."),
            Message.text(Role.DEVELOPER, "Use metric units."),
            new Message(Role.USER, List.of(new ContentPart.Text("What is this?"),
                new ContentPart.Image("https://example.com/cat.png", "low"),
                new ContentPart.Image("data:image/png;base64,AAAA", null)), List.of(), null, "alice"),
            new Message(Role.ASSISTANT, List.of(),
                List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}")), null, null),
            new Message(Role.TOOL, List.of(new ContentPart.Text("{\"temp\":21}")), List.of(), "call_1", null),
            new Message(Role.ASSISTANT, List.of(new ContentPart.Text("It is "), new ContentPart.Text("21 C.")),
                List.of(), null, null)),
        List.of(new ToolDefinition("get_weather", "Current weather",
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}", true),
            new ToolDefinition("noop", null, null, null)),
        new ToolChoice(ToolChoice.Mode.FUNCTION, "get_weather"),
        new Sampling(0.2, 0.9, 42L, 0.5, -0.5),
        256,
        List.of("\n\n", "END"),
        "user-7",
        true,
        true,
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"object\"}}}",
        false);

    JsonNode body = send(provider(upstream), request).bodyJson();

    assertThat(body).isEqualTo(json("""
        {
          "model": "gpt-4o",
          "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Use metric units."},
            {"role": "user", "content": [
              {"type": "text", "text": "What is this?"},
              {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
              {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
            ], "name": "alice"},
            {"role": "assistant", "content": null, "tool_calls": [
              {"id": "call_1", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}
            ]},
            {"role": "tool", "content": "{\\"temp\\":21}", "tool_call_id": "call_1"},
            {"role": "assistant", "content": "It is 21 C."}
          ],
          "tools": [
            {"type": "function", "function": {"name": "get_weather", "description": "Current weather",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
              "strict": true}},
            {"type": "function", "function": {"name": "noop"}}
          ],
          "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
          "parallel_tool_calls": false,
          "temperature": 0.2,
          "top_p": 0.9,
          "seed": 42,
          "presence_penalty": 0.5,
          "frequency_penalty": -0.5,
          "max_tokens": 256,
          "stop": ["\\n\\n", "END"],
          "user": "user-7",
          "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
          "stream": true,
          "stream_options": {"include_usage": true}
        }"""));
  }

  @Test
  void toolChoiceModesAreWrittenAsOpenAiStrings() {
    for (ToolChoice.Mode mode : List.of(ToolChoice.Mode.AUTO, ToolChoice.Mode.NONE, ToolChoice.Mode.REQUIRED)) {
      ChatRequest request = new ChatRequest("gpt-4o", List.of(Message.text(Role.USER, "Hi")),
          List.of(new ToolDefinition("f", null, null, null)), new ToolChoice(mode, null), null, null, null, null,
          true, false, null, true);

      JsonNode body = send(provider(upstream), request).bodyJson();

      assertThat(body.get("tool_choice").asText()).isEqualTo(mode.name().toLowerCase());
      assertThat(body.get("parallel_tool_calls").asBoolean()).isTrue();
    }
  }

  @Test
  void toolChoiceAndParallelToolCallsAreLeftOutWithoutTools() {
    // OpenAI rejects both fields when no tools are sent.
    ChatRequest request = new ChatRequest("gpt-4o", List.of(Message.text(Role.USER, "Hi")), List.of(),
        new ToolChoice(ToolChoice.Mode.NONE, null), null, null, null, null, true, false, null, false);

    JsonNode body = send(provider(upstream), request).bodyJson();

    assertThat(body.has("tool_choice")).isFalse();
    assertThat(body.has("parallel_tool_calls")).isFalse();
    assertThat(body.has("tools")).isFalse();
  }

  @Test
  void noKeyMeansNoAuthorizationHeader() {
    OpenAiConfig keyless = new OpenAiConfig(new UpstreamConfig("local", upstream.baseUrl(), null, List.of(),
        Duration.ofSeconds(2), Duration.ofSeconds(5)));

    RecordedRequest r = send(new OpenAiProvider(keyless, CLIENT), hello());

    assertThat(r.header("authorization")).isNull();
  }

  @Test
  void theOutputCapGoesAsMaxCompletionTokensWhenConfiguredSo() {
    OpenAiConfig config = new OpenAiConfig(upstreamConfig("azure", upstream.baseUrl(), List.of()),
        OpenAiConfig.MaxTokensField.MAX_COMPLETION_TOKENS);
    ChatRequest request = new ChatRequest("o3", List.of(Message.text(Role.USER, "Hi")), null, null, null, 100,
        null, null, true, false, null, null);

    JsonNode body = send(new OpenAiProvider(config, CLIENT), request).bodyJson();

    assertThat(body.get("max_completion_tokens").asInt()).isEqualTo(100);
    assertThat(body.has("max_tokens")).isFalse();
  }

  @Test
  void theOutputCapFieldIsMaxCompletionTokensForOpenAiItselfAndMaxTokensForCompatibleServers() {
    Duration s = Duration.ofSeconds(1);
    UpstreamConfig openAi = new UpstreamConfig("openai", URI.create("https://api.openai.com/v1"), KEY, null, s, s);
    UpstreamConfig ollama = new UpstreamConfig("ollama", URI.create("http://127.0.0.1:11434/v1"), null, null, s, s);
    assertThat(new OpenAiConfig(openAi).maxTokensParameter()).isEqualTo("max_completion_tokens");
    assertThat(new OpenAiConfig(ollama).maxTokensParameter()).isEqualTo("max_tokens");
    assertThat(new OpenAiConfig(openAi, OpenAiConfig.MaxTokensField.MAX_TOKENS).maxTokensParameter())
        .isEqualTo("max_tokens");
  }

  @Test
  void invalidToolParametersJsonFailsAsAnInvalidRequestWithoutCallingTheUpstream() throws Exception {
    ChatRequest request = new ChatRequest("gpt-4o", List.of(Message.text(Role.USER, "Hi")),
        List.of(new ToolDefinition("ok", null, "{}", null), new ToolDefinition("bad", null, "{\"type\":", null)),
        null, null, null, null, null, true, false, null, null);

    GatewayError error = Transcript.drain(provider(upstream).stream(request), DEADLINE).failure();

    assertThat(error.type()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(error.param()).isEqualTo("tools[1].function.parameters");
    Thread.sleep(100);
    assertThat(upstream.requests()).isEmpty();
  }

  @Test
  void aResponseFormatHoldingTwoJsonValuesIsRejected() {
    ChatRequest request = new ChatRequest("gpt-4o", List.of(Message.text(Role.USER, "Hi")), null, null, null, null,
        null, null, true, false, "{} {}", null);

    GatewayError error = Transcript.drain(provider(upstream).stream(request), DEADLINE).failure();

    assertThat(error.type()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(error.param()).isEqualTo("response_format");
  }

  @Test
  void configurationNormalisesTheBaseUrlAndNeverPrintsTheKey() {
    OpenAiConfig config = new OpenAiConfig(new UpstreamConfig("openai", URI.create("https://api.openai.com/v1/"), KEY,
        null, Duration.ofSeconds(1), Duration.ofSeconds(1)));

    assertThat(config.chatCompletionsUri()).isEqualTo(URI.create("https://api.openai.com/v1/chat/completions"));
    assertThat(config.toString()).doesNotContain(KEY).contains("[redacted]");
    assertThat(provider(upstream).name()).isEqualTo("test");
    assertThat(provider(upstream).models()).containsExactly("gpt-4o");
  }
}
