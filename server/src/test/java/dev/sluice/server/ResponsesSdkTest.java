package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.sluice.server.config.CompatibleProvider;
import dev.sluice.testkit.FakeUpstream;
import dev.sluice.testkit.Script;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK, unchanged, against Sluice's {@code /v1/responses}: on sim, and from an
 * Anthropic upstream; and the Anthropic SDK's {@code /v1/messages} answered by an upstream that speaks
 * the Responses wire format ({@code providers: kind: responses}).
 */
class ResponsesSdkTest {
  static FakeUpstream anthropicUpstream;
  static FakeUpstream responsesUpstream;
  static TestGateway gateway;
  static OpenAIClient client;
  static AnthropicClient anthropicClient;

  @BeforeAll
  static void start() throws Exception {
    anthropicUpstream = FakeUpstream.start();
    responsesUpstream = FakeUpstream.start();
    gateway = TestGateway.start(b -> b.anthropic("sk-ant-upstream", anthropicUpstream.baseUrl().resolve("/"))
        .providers(List.of(new CompatibleProvider("resp", "responses", responsesUpstream.baseUrl(), null, List.of()))));
    client = OpenAIOkHttpClient.builder().apiKey("sk-client").baseUrl(gateway.uri("/v1").toString())
        .maxRetries(0).build();
    anthropicClient = AnthropicOkHttpClient.builder().apiKey("sk-ant-client").baseUrl(gateway.uri("/").toString())
        .maxRetries(0).build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    anthropicClient.close();
    gateway.close();
    anthropicUpstream.close();
    responsesUpstream.close();
  }

  static FunctionTool lookup() {
    return FunctionTool.builder().name("lookup").description("Looks a word up")
        .parameters(FunctionTool.Parameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("input", Map.of("type", "string"))))
            .build())
        .strict(false).build();
  }

  static String text(Response response) {
    var sb = new StringBuilder();
    for (ResponseOutputItem item : response.output()) {
      item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> sb.append(t.text()))));
    }
    return sb.toString();
  }

  static Response stream(ResponseCreateParams params, StringBuilder deltas) {
    var accumulator = ResponseAccumulator.create();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
      stream.stream().forEach(event -> {
        accumulator.accumulate(event);
        event.outputTextDelta().ifPresent(d -> deltas.append(d.delta()));
      });
    }
    return accumulator.response();
  }

  @Test
  void readsAWholeResponseFromSim() {
    Response response = client.responses().create(ResponseCreateParams.builder().model("sim/echo")
        .instructions("Repeat.").input("hello from the sdk").build());

    assertThat(text(response)).isEqualTo("hello from the sdk");
    assertThat(response.status()).hasValue(ResponseStatus.COMPLETED);
    assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(4);
  }

  @Test
  void readsAStreamFromSimWordByWord() {
    var deltas = new StringBuilder();
    Response whole = stream(ResponseCreateParams.builder().model("sim/echo").input("streamed word by word").build(),
        deltas);

    assertThat(deltas.toString()).isEqualTo("streamed word by word");
    assertThat(text(whole)).isEqualTo("streamed word by word");
    assertThat(whole.status()).hasValue(ResponseStatus.COMPLETED);
    assertThat(whole.usage().orElseThrow().outputTokens()).isEqualTo(4);
  }

  @Test
  void makesAFunctionCallRoundTrip() {
    Response first = stream(ResponseCreateParams.builder().model("sim/tool").input("otters").addTool(lookup()).build(),
        new StringBuilder());
    ResponseFunctionToolCall call = first.output().stream().flatMap(i -> i.functionCall().stream()).findFirst()
        .orElseThrow();
    assertThat(call.name()).isEqualTo("lookup");
    assertThat(call.arguments()).isEqualTo("{\"input\": \"otters\"}");

    Response second = client.responses().create(ResponseCreateParams.builder().model("sim/echo")
        .addTool(lookup())
        .inputOfResponse(List.of(
            ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder().role(EasyInputMessage.Role.USER)
                .content("otters").build()),
            ResponseInputItem.ofFunctionCall(call),
            ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                .callId(call.callId()).output("otters are mustelids").build())))
        .build());

    assertThat(text(second)).isEqualTo("otters");
    assertThat(second.status()).hasValue(ResponseStatus.COMPLETED);
  }

  @Test
  void raisesTheSdksOwnExceptionsForErrors() {
    assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("nope/none").input("x")
        .build()))
        .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.getMessage()).contains("nope/none"));
    assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("sim/echo").input("x")
        .previousResponseId("resp_1").build()))
        .isInstanceOfSatisfying(BadRequestException.class,
            e -> assertThat(e.getMessage()).contains("previous_response_id"));
  }

  @Test
  void streamsTextAndAToolCallFromAnAnthropicUpstream() {
    anthropicUpstream.enqueue(Script.fromFixture("fixtures/anthropic/tool-use.sse"));
    var deltas = new StringBuilder();
    Response whole = stream(ResponseCreateParams.builder().model("anthropic/claude-opus-4-1")
        .instructions("Be brief.").input("weather in SF").build(), deltas);

    assertThat(deltas.toString()).isEqualTo("Okay, let's check the weather for San Francisco, CA:");
    ResponseFunctionToolCall call = whole.output().stream().flatMap(i -> i.functionCall().stream()).findFirst()
        .orElseThrow();
    assertThat(call.callId()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assertThat(call.name()).isEqualTo("get_weather");
    assertThat(call.arguments()).isEqualTo("{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}");
    assertThat(whole.usage().orElseThrow().inputTokens()).isEqualTo(472);
    assertThat(whole.usage().orElseThrow().outputTokens()).isEqualTo(89);
    var sent = anthropicUpstream.requests().getLast().bodyJson();
    assertThat(sent.get("model").asText()).isEqualTo("claude-opus-4-1");
    assertThat(sent.at("/system/0/text").asText()).isEqualTo("Be brief.");
  }

  @Test
  void anAnthropicClientStreamsFromAResponsesUpstream() {
    responsesUpstream.enqueue(Script.fromFixture("fixtures/responses/node-text.sse"));
    var accumulator = MessageAccumulator.create();
    try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream = anthropicClient.messages()
        .createStreaming(MessageCreateParams.builder().model("resp/gpt-4o").maxTokens(256).addUserMessage("hi")
            .build())) {
      stream.stream().forEach(accumulator::accumulate);
    }
    Message message = accumulator.message();

    var sb = new StringBuilder();
    for (ContentBlock b : message.content()) b.text().ifPresent(t -> sb.append(t.text()));
    assertThat(sb.toString()).isEqualTo("Hello world");
    assertThat(message.usage().inputTokens()).isEqualTo(10);
    var sent = responsesUpstream.requests().getLast();
    assertThat(sent.path()).isEqualTo("/v1/responses");
    assertThat(sent.bodyJson().get("model").asText()).isEqualTo("gpt-4o");
    assertThat(sent.bodyJson().at("/input/0/content/0/text").asText()).isEqualTo("hi");
  }
}
