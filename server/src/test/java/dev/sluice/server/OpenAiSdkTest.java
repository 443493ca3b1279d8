package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
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

/** The official OpenAI Java SDK, unchanged, against Sluice's OpenAI dialect: on sim and through an upstream. */
class OpenAiSdkTest {
  static FakeUpstream upstream;
  static TestGateway gateway;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.openAi("sk-upstream", upstream.baseUrl()));
    client = OpenAIOkHttpClient.builder().apiKey("sk-not-used-by-sim").baseUrl(gateway.uri("/v1").toString())
        .maxRetries(0).build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    gateway.close();
    upstream.close();
  }

  static ChatCompletionCreateParams.Builder echo(String text) {
    return ChatCompletionCreateParams.builder().model("sim/echo").addUserMessage(text);
  }

  @Test
  void readsAWholeCompletion() {
    ChatCompletion completion = client.chat().completions().create(echo("hello from the sdk").build());
    assertThat(completion.choices().getFirst().message().content()).hasValue("hello from the sdk");
    assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    CompletionUsage usage = completion.usage().orElseThrow();
    assertThat(usage.completionTokens()).isEqualTo(4);
    assertThat(usage.promptTokens()).isEqualTo(4 + 3);
  }

  @Test
  void readsAStreamWithItsUsageChunk() {
    var accumulator = ChatCompletionAccumulator.create();
    var text = new StringBuilder();
    ChatCompletionCreateParams params = echo("streamed word by word")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunk -> {
        accumulator.accumulate(chunk);
        chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
      });
    }
    assertThat(text.toString()).isEqualTo("streamed word by word");
    ChatCompletion whole = accumulator.chatCompletion();
    assertThat(whole.choices().getFirst().message().content()).hasValue("streamed word by word");
    assertThat(whole.usage().orElseThrow().completionTokens()).isEqualTo(4);
  }

  @Test
  void raisesTheSdksOwnExceptionsForErrors() {
    assertThatThrownBy(() -> client.chat().completions().create(
        ChatCompletionCreateParams.builder().model("nope/none").addUserMessage("x").build()))
        .isInstanceOfSatisfying(NotFoundException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(404);
          assertThat(e.getMessage()).contains("nope/none");
        });
    assertThatThrownBy(() -> client.chat().completions().create(echo("x").n(3).build()))
        .isInstanceOf(BadRequestException.class);
  }

  @Test
  void streamsTheExactTextAndUsageTheUpstreamSent() {
    upstream.enqueue(Script.fromFixture("fixtures/openai/text.sse"));
    var accumulator = ChatCompletionAccumulator.create();
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("openai/gpt-4o")
        .addUserMessage("weather?").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .build();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    ChatCompletion whole = accumulator.chatCompletion();
    assertThat(whole.id()).isEqualTo("chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL");
    assertThat(whole.model()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(whole.choices().getFirst().message().content()).hasValue(
        "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, I recommend"
            + " checking a reliable weather website or a weather app.");
    CompletionUsage usage = whole.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(14);
    assertThat(usage.completionTokens()).isEqualTo(30);
    assertThat(usage.totalTokens()).isEqualTo(44);
  }

  @Test
  void readsStreamedParallelToolCallsAndAWholeCompletionFromTheUpstream() {
    upstream.enqueue(Script.fromFixture("fixtures/openai/two-tool-calls.sse"));
    var accumulator = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("weather and stock").build())) {
      stream.stream().forEach(accumulator::accumulate);
    }
    var calls = accumulator.chatCompletion().choices().getFirst().message().toolCalls().orElseThrow();
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).asFunction().id()).isEqualTo("call_JMW1whyEaYG438VE1OIflxA2");
    assertThat(calls.get(0).asFunction().function().name()).isEqualTo("GetWeatherArgs");
    assertThat(calls.get(0).asFunction().function().arguments())
        .isEqualTo("{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}");
    assertThat(calls.get(1).asFunction().function().name()).isEqualTo("get_stock_price");
    assertThat(calls.get(1).asFunction().function().arguments()).isEqualTo("{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}");
    assertThat(accumulator.chatCompletion().choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);

    upstream.enqueue(Script.fromFixture("fixtures/openai/tool-call.sse"));
    ChatCompletion completion = client.chat().completions().create(
        ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("weather in NYC").build());
    var call = completion.choices().getFirst().message().toolCalls().orElseThrow().getFirst().asFunction();
    assertThat(call.function().arguments()).isEqualTo("{\"city\":\"New York City\"}");
    assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(16);
  }
}
