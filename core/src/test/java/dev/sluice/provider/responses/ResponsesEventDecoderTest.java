package dev.sluice.provider.responses;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.UpstreamDecoderContract;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.testkit.ProviderTestSupport;
import dev.sluice.testkit.Script;
import dev.sluice.testkit.Transcript;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The Responses decoder alone, on streams written for one behaviour each. */
class ResponsesEventDecoderTest {

  private static final String CREATED = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,"
      + "\"response\":{\"id\":\"resp_9\",\"object\":\"response\",\"created_at\":5,\"model\":\"gpt-5\",\"status\":\"in_progress\"}}\n\n";

  private static Transcript decode(String body) {
    List<StreamEvent> events = ProviderTestSupport.decode(ResponsesTestSupport.decoder(), body.getBytes(StandardCharsets.UTF_8));
    return Transcript.of(events);
  }

  private static String event(String type, String json) {
    return "event: " + type + "\ndata: {\"type\":\"" + type + "\"," + json + "}\n\n";
  }

  private static final String COMPLETED = event("response.completed", "\"response\":{\"id\":\"resp_9\",\"status\":\"completed\","
      + "\"usage\":{\"input_tokens\":7,\"input_tokens_details\":{\"cached_tokens\":2},\"output_tokens\":3,"
      + "\"output_tokens_details\":{\"reasoning_tokens\":1},\"total_tokens\":10}}");

  @Test
  void functionCallItemsBecomeToolCallsWithTheirCallIdsAndAToolCallsFinish() {
    Transcript t = decode(CREATED
        + event("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\","
            + "\"status\":\"in_progress\",\"call_id\":\"call_A\",\"name\":\"get_weather\",\"arguments\":\"\"}")
        + event("response.function_call_arguments.delta", "\"item_id\":\"fc_1\",\"output_index\":0,\"delta\":\"{\\\"city\\\":\"")
        + event("response.function_call_arguments.delta", "\"item_id\":\"fc_1\",\"output_index\":0,\"delta\":\"\\\"Paris\\\"}\"")
        + event("response.function_call_arguments.done", "\"item_id\":\"fc_1\",\"output_index\":0,\"name\":\"get_weather\","
            + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"")
        + event("response.output_item.added", "\"output_index\":1,\"item\":{\"id\":\"fc_2\",\"type\":\"function_call\","
            + "\"call_id\":\"call_B\",\"name\":\"get_time\",\"arguments\":\"\"}")
        + event("response.function_call_arguments.delta", "\"item_id\":\"fc_2\",\"output_index\":1,\"delta\":\"{}\"")
        + COMPLETED);

    assertThat(t.toolCalls()).containsExactly(
        new Transcript.Call(0, "call_A", "get_weather", "{\"city\":\"Paris\"}"),
        new Transcript.Call(1, "call_B", "get_time", "{}"));
    assertThat(t.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
    assertThat(t.usage().promptTokens()).isEqualTo(7);
    assertThat(t.usage().cachedTokens()).isEqualTo(2);
    assertThat(t.usage().reasoningTokens()).isEqualTo(1);
  }

  @Test
  void argumentsSentOnlyWhenTheCallIsDoneAreNotLost() {
    Transcript t = decode(CREATED
        + event("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\","
            + "\"call_id\":\"call_A\",\"name\":\"f\"}")
        + event("response.output_item.done", "\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\","
            + "\"call_id\":\"call_A\",\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}")
        + COMPLETED);

    assertThat(t.toolCalls()).containsExactly(new Transcript.Call(0, "call_A", "f", "{\"a\":1}"));
  }

  @Test
  void fragmentsNamedByCallIdOnlyFindTheirCall() {
    Transcript t = decode(CREATED
        + event("response.output_item.added", "\"item\":{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"read\"}")
        + event("response.function_call_arguments.delta", "\"call_id\":\"call_1\",\"delta\":\"{\\\"p\\\":1}\"")
        + event("response.function_call_arguments.done", "\"call_id\":\"call_1\",\"arguments\":\"{\\\"p\\\":1}\"")
        + COMPLETED);

    assertThat(t.toolCalls()).containsExactly(new Transcript.Call(0, "call_1", "read", "{\"p\":1}"));
  }

  @Test
  void aContentFilterIncompleteFinishesForContentFilter() {
    Transcript t = decode(CREATED + event("response.output_text.delta", "\"delta\":\"x\"")
        + event("response.incomplete", "\"response\":{\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"content_filter\"}}"));

    assertThat(t.terminal()).isEqualTo(new Finished(FinishReason.CONTENT_FILTER));
  }

  @Test
  void aRateLimitedFailedResponseIsRateLimited() {
    Transcript t = decode(CREATED + event("response.failed", "\"response\":{\"status\":\"failed\","
        + "\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached for org-abcdef123456\"}}"));

    assertThat(t.failure().type()).isEqualTo(ErrorType.RATE_LIMITED);
    assertThat(t.failure().code()).isEqualTo("rate_limit_exceeded");
    // Not a request error: the tenant gets the code, not the upstream's words about the operator's account.
    assertThat(t.failure().message()).doesNotContain("org-");
  }

  @Test
  void anInvalidImageFailureIsTheCallersRequestError() {
    Transcript t = decode(CREATED + event("response.failed", "\"response\":{\"status\":\"failed\","
        + "\"error\":{\"code\":\"invalid_image_url\",\"message\":\"The image URL could not be fetched.\"}}"));

    assertThat(t.failure().type()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(t.failure().message()).contains("The image URL could not be fetched.");
  }

  @Test
  void anErrorEventThatNestsItsFieldsIsReadToo() {
    Transcript t = decode(CREATED + "event: error\ndata: {\"type\":\"error\",\"sequence_number\":1,"
        + "\"error\":{\"type\":\"server_error\",\"code\":\"server_error\",\"message\":\"boom\",\"param\":null}}\n\n");

    assertThat(t.failure().code()).isEqualTo("server_error");
    assertThat(t.failure().type()).isEqualTo(ErrorType.UPSTREAM_ERROR);
  }

  @Test
  void aDoneMarkerWithoutATerminalEventIsATruncation() {
    Transcript t = decode(CREATED + event("response.output_text.delta", "\"delta\":\"x\"") + "data: [DONE]\n\n");

    assertThat(t.content()).isEqualTo("x");
    assertThat(t.failure().message()).contains("ended before response.completed");
  }

  @Test
  void aMalformedEventFailsTheStream() {
    Transcript t = decode(CREATED + "event: response.output_text.delta\ndata: {\"delta\":\n\n");

    assertThat(t.terminal()).isInstanceOf(Failed.class);
    assertThat(t.failure().message()).contains("malformed event");
  }

  @Test
  void deltasBeforeAnyCreatedEventStillStartTheStreamWithTheRequestedModel() {
    Transcript t = decode(event("response.output_text.delta", "\"delta\":\"hi\"") + COMPLETED);

    assertThat(t.started().model()).isEqualTo("gpt-4o");
    assertThat(t.content()).isEqualTo("hi");
    assertThat(t.events().stream().filter(ToolCallDelta.class::isInstance)).isEmpty();
  }

  @Test
  void unknownEventTypesAreSkipped() {
    Transcript t = decode(CREATED + event("response.web_search_call.searching", "\"item_id\":\"ws_1\"")
        + event("response.output_text.annotation.added", "\"annotation\":{\"type\":\"url_citation\"}")
        + event("response.output_text.delta", "\"delta\":\"ok\"") + COMPLETED);

    assertThat(t.content()).isEqualTo("ok");
    assertThat(t.finishReason()).isEqualTo(FinishReason.STOP);
  }

  @ParameterizedTest
  @ValueSource(strings = {"spec-text.sse", "spec-error-event.sse", "node-text.sse", "node-reasoning.sse",
      "node-failed.sse", "python-incomplete.sse"})
  void everyFixtureKeepsTheDecoderContract(String fixture) {
    UpstreamDecoderContract.decodesToEventsEndingInOneTerminal(ResponsesTestSupport.decoder(),
        Script.fixtureBytes("fixtures/responses/" + fixture));
  }
}
