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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, unchanged, against Sluice's OpenAI dialect on the simulated model. */
class OpenAiSdkTest {
  static TestGateway gateway;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
    client = OpenAIOkHttpClient.builder().apiKey("sk-not-used-by-sim").baseUrl(gateway.uri("/v1").toString())
        .maxRetries(0).build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    gateway.close();
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
}
