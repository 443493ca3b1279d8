package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against Sluice's OpenAI dialect, answered by an Anthropic upstream. */
class OpenAiSdkToAnthropicTest {
  static FakeUpstream upstream;
  static TestGateway gateway;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.anthropic("sk-ant-upstream", upstream.baseUrl().resolve("/")));
    client = OpenAIOkHttpClient.builder().apiKey("sk-client").baseUrl(gateway.uri("/v1").toString())
        .maxRetries(0).build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    gateway.close();
    upstream.close();
  }

  @Test
  void streamsTextAndAToolCallWithUsage() {
    upstream.enqueue(Script.fromFixture("fixtures/anthropic/tool-use.sse"));
    var accumulator = ChatCompletionAccumulator.create();
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
        .model("anthropic/claude-opus-4-1").addSystemMessage("Be brief.").addUserMessage("weather in SF")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    ChatCompletion whole = accumulator.chatCompletion();
    var message = whole.choices().getFirst().message();
    assertThat(message.content()).hasValue("Okay, let's check the weather for San Francisco, CA:");
    var call = message.toolCalls().orElseThrow().getFirst().asFunction();
    assertThat(call.id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assertThat(call.function().name()).isEqualTo("get_weather");
    assertThat(call.function().arguments()).isEqualTo("{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}");
    assertThat(whole.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    CompletionUsage usage = whole.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(472);
    assertThat(usage.completionTokens()).isEqualTo(89);
    var sent = upstream.requests().getLast().bodyJson();
    assertThat(sent.get("model").asText()).isEqualTo("claude-opus-4-1");
    assertThat(sent.at("/system/0/text").asText()).isEqualTo("Be brief.");
  }

  @Test
  void readsAWholeCompletionWithCachedTokens() {
    upstream.enqueue(Script.fromFixture("fixtures/anthropic/thinking.sse"));
    ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude-opus-4-1").addUserMessage("27 * 453?").build());
    assertThat(completion.choices().getFirst().message().content()).hasValue("12231");
    assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
    CompletionUsage usage = completion.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(100);
    assertThat(usage.completionTokens()).isEqualTo(120);
    assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).hasValue(50L);
  }

  @Test
  void readsTwoWholeToolCallsAndStreamsPlainText() {
    upstream.enqueue(Script.fromFixture("fixtures/anthropic/two-tools.sse"));
    ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("anthropic/claude-x").addUserMessage("weather and time").build());
    var calls = completion.choices().getFirst().message().toolCalls().orElseThrow();
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).asFunction().id()).isEqualTo("toolu_01A");
    assertThat(calls.get(0).asFunction().function().arguments()).isEqualTo("{\"city\": \"Paris\"}");
    assertThat(calls.get(1).asFunction().function().name()).isEqualTo("get_time");
    assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);

    upstream.enqueue(Script.fromFixture("fixtures/anthropic/text.sse"));
    var text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("anthropic/claude-x").addUserMessage("hi").build())) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
    }
    assertThat(text.toString()).isEqualTo("Hello!");
  }
}
