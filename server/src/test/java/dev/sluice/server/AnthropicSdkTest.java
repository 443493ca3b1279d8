package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official Anthropic Java SDK, unchanged, against Sluice's {@code /v1/messages}: to an Anthropic
 * upstream and to an OpenAI upstream (fakes speaking each real wire format), streaming and not, text
 * and tool calls, and its own exceptions for errors.
 */
class AnthropicSdkTest {
  static FakeUpstream anthropicUpstream;
  static FakeUpstream openAiUpstream;
  static TestGateway gateway;
  static AnthropicClient client;

  @BeforeAll
  static void start() throws Exception {
    anthropicUpstream = FakeUpstream.start();
    openAiUpstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.anthropic("sk-ant-upstream", anthropicUpstream.baseUrl().resolve("/"))
        .providers(List.of(new CompatibleProvider("compat", "openai", openAiUpstream.baseUrl(), null, List.of()))));
    client = AnthropicOkHttpClient.builder().apiKey("sk-ant-client").baseUrl(gateway.uri("/").toString())
        .maxRetries(0).build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    gateway.close();
    anthropicUpstream.close();
    openAiUpstream.close();
  }

  static MessageCreateParams.Builder ask(String model, String text) {
    return MessageCreateParams.builder().model(model).maxTokens(256).addUserMessage(text)
        .addTool(Tool.builder().name("get_weather").description("Weather by city")
            .inputSchema(Tool.InputSchema.builder().properties(Tool.InputSchema.Properties.builder()
                .putAdditionalProperty("city", JsonValue.from(Map.of("type", "string"))).build()).build())
            .build());
  }

  static Message stream(MessageCreateParams params) {
    var accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    return accumulator.message();
  }

  static String text(Message m) {
    var sb = new StringBuilder();
    for (ContentBlock b : m.content()) b.text().ifPresent(t -> sb.append(t.text()));
    return sb.toString();
  }

  static List<ToolUseBlock> toolUses(Message m) {
    return m.content().stream().flatMap(b -> b.toolUse().stream()).toList();
  }

  @Test
  void streamsTextFromAnAnthropicUpstream() {
    anthropicUpstream.enqueue(Script.fromFixture("fixtures/anthropic/text.sse"));
    Message m = stream(ask("anthropic/claude-x", "hi").system("Be nice.").build());
    assertThat(m.id()).isEqualTo("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
    assertThat(text(m)).isEqualTo("Hello!");
    assertThat(m.stopReason()).hasValue(StopReason.END_TURN);
    assertThat(m.usage().inputTokens()).isEqualTo(25);
    assertThat(m.usage().outputTokens()).isEqualTo(15);
    var sent = anthropicUpstream.requests().getLast().bodyJson();
    assertThat(sent.at("/system/0/text").asText()).isEqualTo("Be nice.");
    assertThat(sent.at("/tools/0/input_schema/properties/city/type").asText()).isEqualTo("string");
  }

  @Test
  void readsAWholeToolCallFromAnAnthropicUpstream() {
    anthropicUpstream.enqueue(Script.fromFixture("fixtures/anthropic/tool-use.sse"));
    Message m = client.messages().create(ask("anthropic/claude-x", "weather in SF").build());
    ToolUseBlock call = toolUses(m).getFirst();
    assertThat(call.id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assertThat(call.name()).isEqualTo("get_weather");
    assertThat(call._input().convert(Map.class)).isEqualTo(Map.of("location", "San Francisco, CA", "unit", "fahrenheit"));
    assertThat(m.stopReason()).hasValue(StopReason.TOOL_USE);
    assertThat(text(m)).isEqualTo("Okay, let's check the weather for San Francisco, CA:");
  }

  @Test
  void streamsTwoToolCallsFromAnOpenAiUpstream() {
    openAiUpstream.enqueue(Script.fromFixture("fixtures/openai/two-tool-calls.sse"));
    Message m = stream(ask("compat/gpt-x", "weather and stock").build());
    List<ToolUseBlock> calls = toolUses(m);
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).id()).isEqualTo("call_JMW1whyEaYG438VE1OIflxA2");
    assertThat(calls.get(0)._input().convert(Map.class)).isEqualTo(Map.of("city", "Edinburgh", "country", "GB", "units", "c"));
    assertThat(calls.get(1).name()).isEqualTo("get_stock_price");
    assertThat(calls.get(1)._input().convert(Map.class)).isEqualTo(Map.of("ticker", "AAPL", "exchange", "NASDAQ"));
    assertThat(m.stopReason()).hasValue(StopReason.TOOL_USE);
    assertThat(m.usage().inputTokens()).isEqualTo(149);
    assertThat(m.usage().outputTokens()).isEqualTo(60);
  }

  @Test
  void readsWholeTextFromAnOpenAiUpstream() {
    openAiUpstream.enqueue(Script.fromFixture("fixtures/openai/text.sse"));
    Message m = client.messages().create(ask("compat/gpt-x", "weather?").build());
    assertThat(m.id()).isEqualTo("chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL");
    assertThat(text(m)).startsWith("I'm unable to provide real-time weather updates.");
    assertThat(m.stopReason()).hasValue(StopReason.END_TURN);
    assertThat(m.usage().inputTokens()).isEqualTo(14);
  }

  @Test
  void raisesTheSdksOwnExceptions() {
    assertThatThrownBy(() -> client.messages().create(ask("nope/none", "x").build()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> client.messages().create(ask("compat/gpt-x", "x").putAdditionalBodyProperty("top_k", JsonValue.from(3)).build()))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains("top_k"));
    anthropicUpstream.enqueue(Script.fromFixture("fixtures/anthropic/error-midstream.sse"));
    assertThatThrownBy(() -> stream(ask("anthropic/claude-x", "x").build()))
        .isInstanceOf(AnthropicServiceException.class).hasMessageContaining("overloaded_error");
  }

  @Test
  void streamsTwoToolCallsFromAnAnthropicUpstreamAndReadsWholeText() {
    anthropicUpstream.enqueue(Script.fromFixture("fixtures/anthropic/two-tools.sse"));
    Message m = stream(ask("anthropic/claude-x", "weather and time in Paris").build());
    List<ToolUseBlock> calls = toolUses(m);
    assertThat(calls).extracting(ToolUseBlock::id).containsExactly("toolu_01A", "toolu_01B");
    assertThat(calls.get(1)._input().convert(Map.class)).isEqualTo(Map.of("tz", "Europe/Paris"));
    assertThat(m.usage().inputTokens()).isEqualTo(500);
    assertThat(m.usage().cacheReadInputTokens()).hasValue(200L);

    anthropicUpstream.enqueue(Script.fromFixture("fixtures/anthropic/text.sse"));
    Message whole = client.messages().create(ask("anthropic/claude-x", "hi").build());
    assertThat(text(whole)).isEqualTo("Hello!");
    assertThat(whole.stopReason()).hasValue(StopReason.END_TURN);
  }

  @Test
  void streamsTextAndReadsAWholeToolCallFromAnOpenAiUpstream() {
    openAiUpstream.enqueue(Script.fromFixture("fixtures/openai/text.sse"));
    Message m = stream(ask("compat/gpt-x", "weather?").build());
    assertThat(text(m)).endsWith("a reliable weather website or a weather app.");
    assertThat(m.usage().outputTokens()).isEqualTo(30);

    openAiUpstream.enqueue(Script.fromFixture("fixtures/openai/tool-call.sse"));
    Message whole = client.messages().create(ask("compat/gpt-x", "weather in NYC").build());
    ToolUseBlock call = toolUses(whole).getFirst();
    assertThat(call.id()).isEqualTo("call_4XzlGBLtUe9dy3GVNV4jhq7h");
    assertThat(call._input().convert(Map.class)).isEqualTo(Map.of("city", "New York City"));
    assertThat(whole.stopReason()).hasValue(StopReason.TOOL_USE);
  }
}
