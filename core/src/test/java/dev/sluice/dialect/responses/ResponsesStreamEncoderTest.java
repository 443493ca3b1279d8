package dev.sluice.dialect.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.dialect.EventSink;
import dev.sluice.json.Json;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Responses encoder's event lifecycle, from canonical events, against expectations written by hand. */
class ResponsesStreamEncoderTest {

  /** One event as the sink got it. */
  record Sent(String type, String data) {
    JsonNode json() {
      try {
        return Json.MAPPER.readTree(data);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  static List<Sent> encode(StreamEvent... events) throws IOException {
    var out = new ArrayList<Sent>();
    var encoder = new ResponsesStreamEncoder();
    EventSink sink = new EventSink() {
      @Override
      public void event(String type, String id, String data) {
        out.add(new Sent(type, data));
      }

      @Override
      public void event(String type, String id, byte[] utf8, int off, int len) {
        out.add(new Sent(type, new String(utf8, off, len, StandardCharsets.UTF_8)));
      }

      @Override
      public void comment(String text) {
        throw new AssertionError("no comments: " + text);
      }
    };
    for (StreamEvent e : events) encoder.encode(e, sink);
    assertWellSequenced(out);
    return out;
  }

  /** Every event's data names its type, and the sequence numbers count 0, 1, 2, ... */
  private static void assertWellSequenced(List<Sent> out) {
    for (int i = 0; i < out.size(); i++) {
      JsonNode json = out.get(i).json();
      assertThat(json.get("type").asText()).isEqualTo(out.get(i).type());
      assertThat(json.get("sequence_number").asLong()).as("event %d", i).isEqualTo(i);
    }
  }

  private static List<String> types(List<Sent> out) {
    return out.stream().map(Sent::type).toList();
  }

  private static final Started STARTED = new Started("resp_1", "gpt-x", "openai", 1700);

  @Test
  void textStreamsAsOneMessageItemAndCompletesWithTheUsage() throws IOException {
    List<Sent> out = encode(STARTED, TextDelta.content("Hel"), TextDelta.content("lo"),
        new UsageReport(new Usage(5, 2, 1, 0, 0, false)), new Finished(FinishReason.STOP));

    String inProgress = "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1700,\"status\":\"in_progress\","
        + "\"error\":null,\"incomplete_details\":null,\"model\":\"gpt-x\",\"output\":[],\"usage\":null}";
    String done = "{\"id\":\"msg_1_0\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\","
        + "\"content\":[{\"type\":\"output_text\",\"text\":\"Hello\",\"annotations\":[]}]}";
    assertThat(out).containsExactly(
        new Sent("response.created", "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":" + inProgress + "}"),
        new Sent("response.in_progress", "{\"type\":\"response.in_progress\",\"sequence_number\":1,\"response\":"
            + inProgress + "}"),
        new Sent("response.output_item.added", "{\"type\":\"response.output_item.added\",\"sequence_number\":2,"
            + "\"output_index\":0,\"item\":{\"id\":\"msg_1_0\",\"type\":\"message\",\"status\":\"in_progress\","
            + "\"role\":\"assistant\",\"content\":[]}}"),
        new Sent("response.content_part.added", "{\"type\":\"response.content_part.added\",\"sequence_number\":3,"
            + "\"item_id\":\"msg_1_0\",\"output_index\":0,\"content_index\":0,"
            + "\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}}"),
        new Sent("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"sequence_number\":4,"
            + "\"item_id\":\"msg_1_0\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hel\",\"logprobs\":[]}"),
        new Sent("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"sequence_number\":5,"
            + "\"item_id\":\"msg_1_0\",\"output_index\":0,\"content_index\":0,\"delta\":\"lo\",\"logprobs\":[]}"),
        new Sent("response.output_text.done", "{\"type\":\"response.output_text.done\",\"sequence_number\":6,"
            + "\"item_id\":\"msg_1_0\",\"output_index\":0,\"content_index\":0,\"text\":\"Hello\",\"logprobs\":[]}"),
        new Sent("response.content_part.done", "{\"type\":\"response.content_part.done\",\"sequence_number\":7,"
            + "\"item_id\":\"msg_1_0\",\"output_index\":0,\"content_index\":0,"
            + "\"part\":{\"type\":\"output_text\",\"text\":\"Hello\",\"annotations\":[]}}"),
        new Sent("response.output_item.done", "{\"type\":\"response.output_item.done\",\"sequence_number\":8,"
            + "\"output_index\":0,\"item\":" + done + "}"),
        new Sent("response.completed", "{\"type\":\"response.completed\",\"sequence_number\":9,\"response\":"
            + "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1700,\"status\":\"completed\",\"error\":null,"
            + "\"incomplete_details\":null,\"model\":\"gpt-x\",\"output\":[" + done + "],\"usage\":{\"input_tokens\":5,"
            + "\"input_tokens_details\":{\"cached_tokens\":1},\"output_tokens\":2,"
            + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":7}}}"));
  }

  @Test
  void nothingIsSentForTheStartAlone() throws IOException {
    assertThat(encode(STARTED, new UsageReport(Usage.of(1, 0)))).isEmpty();
  }

  @Test
  void toolCallsAreFunctionCallItemsInOrderWithTheirCallIdsAndArguments() throws IOException {
    List<Sent> out = encode(STARTED,
        new ToolCallDelta(0, "call_a", "f", ""),
        new ToolCallDelta(0, null, null, "{\"x\":"),
        new ToolCallDelta(0, null, null, "1}"),
        new ToolCallDelta(1, "call_b", "g", "{}"),
        new Finished(FinishReason.TOOL_CALLS));

    assertThat(types(out)).containsExactly("response.created", "response.in_progress",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done", "response.completed");
    JsonNode firstAdded = out.get(2).json();
    assertThat(firstAdded.get("output_index").asInt()).isZero();
    assertThat(firstAdded.at("/item/type").asText()).isEqualTo("function_call");
    assertThat(firstAdded.at("/item/call_id").asText()).isEqualTo("call_a");
    assertThat(firstAdded.at("/item/name").asText()).isEqualTo("f");
    assertThat(firstAdded.at("/item/arguments").asText()).isEmpty();
    assertThat(out.get(3).json().get("item_id").asText()).isEqualTo(firstAdded.at("/item/id").asText());
    JsonNode firstDone = out.get(5).json();
    assertThat(firstDone.get("name").asText()).isEqualTo("f");
    assertThat(firstDone.get("arguments").asText()).isEqualTo("{\"x\":1}");
    assertThat(out.get(7).json().get("output_index").asInt()).isEqualTo(1);
    assertThat(out.get(7).json().at("/item/call_id").asText()).isEqualTo("call_b");
    JsonNode output = out.getLast().json().at("/response/output");
    assertThat(output).hasSize(2);
    assertThat(output.get(0).get("arguments").asText()).isEqualTo("{\"x\":1}");
    assertThat(output.get(1).get("arguments").asText()).isEqualTo("{}");
    assertThat(output.get(1).get("status").asText()).isEqualTo("completed");
  }

  @Test
  void reasoningIsASummaryItemBeforeTheMessage() throws IOException {
    List<Sent> out = encode(STARTED, new TextDelta(TextDelta.Channel.REASONING, "think"),
        new TextDelta(TextDelta.Channel.REASONING, "ing"), TextDelta.content("Hi"),
        new UsageReport(new Usage(3, 9, 0, 0, 7, false)), new Finished(FinishReason.STOP));

    assertThat(types(out)).containsExactly("response.created", "response.in_progress",
        "response.output_item.added", "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed");
    assertThat(out.get(2).json().at("/item/type").asText()).isEqualTo("reasoning");
    assertThat(out.get(2).json().at("/item/summary")).isEmpty();
    assertThat(out.get(4).json().get("summary_index").asInt()).isZero();
    assertThat(out.get(6).json().get("text").asText()).isEqualTo("thinking");
    assertThat(out.get(8).json().at("/item/summary/0/text").asText()).isEqualTo("thinking");
    assertThat(out.get(9).json().get("output_index").asInt()).isEqualTo(1);
    JsonNode response = out.getLast().json().get("response");
    assertThat(response.at("/output/0/type").asText()).isEqualTo("reasoning");
    assertThat(response.at("/output/1/content/0/text").asText()).isEqualTo("Hi");
    assertThat(response.at("/usage/output_tokens_details/reasoning_tokens").asLong()).isEqualTo(7);
  }

  @Test
  void aRefusalIsARefusalPartWithItsOwnEvents() throws IOException {
    List<Sent> out = encode(STARTED, new TextDelta(TextDelta.Channel.REFUSAL, "I can't"),
        new TextDelta(TextDelta.Channel.REFUSAL, " help."), new Finished(FinishReason.STOP));

    assertThat(types(out)).containsExactly("response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added", "response.refusal.delta",
        "response.refusal.delta", "response.refusal.done", "response.content_part.done",
        "response.output_item.done", "response.completed");
    assertThat(out.get(3).json().get("part").toString()).isEqualTo("{\"type\":\"refusal\",\"refusal\":\"\"}");
    assertThat(out.get(6).json().get("refusal").asText()).isEqualTo("I can't help.");
    assertThat(out.getLast().json().at("/response/output/0/content/0").toString())
        .isEqualTo("{\"type\":\"refusal\",\"refusal\":\"I can't help.\"}");
  }

  @Test
  void aFailureAfterTheFirstByteIsResponseFailedAndNeverACompletion() throws IOException {
    GatewayError error = GatewayError.of(ErrorType.UPSTREAM_TIMEOUT, "upstream 'openai' went silent").withCode("idle");
    List<Sent> out = encode(STARTED, TextDelta.content("Hi"), new Failed(error));

    assertThat(types(out)).containsExactly("response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.failed");
    JsonNode response = out.getLast().json().get("response");
    assertThat(response.get("status").asText()).isEqualTo("failed");
    assertThat(response.get("error").toString())
        .isEqualTo("{\"code\":\"server_error\",\"message\":\"upstream 'openai' went silent\"}");
    // The interrupted message is reported as it was: unfinished, with the text that got through.
    assertThat(response.at("/output/0/status").asText()).isEqualTo("in_progress");
    assertThat(response.at("/output/0/content/0/text").asText()).isEqualTo("Hi");
    assertThat(response.get("usage").isNull()).isTrue();
  }

  @Test
  void aRateLimitFailureSaysRateLimitExceeded() throws IOException {
    List<Sent> out = encode(STARTED, TextDelta.content("Hi"),
        new Failed(GatewayError.of(ErrorType.RATE_LIMITED, "slow down")));

    assertThat(out.getLast().json().at("/response/error/code").asText()).isEqualTo("rate_limit_exceeded");
  }

  @Test
  void aMaxTokensFinishIsIncompleteForMaxOutputTokens() throws IOException {
    List<Sent> out = encode(STARTED, TextDelta.content("Hi"), new UsageReport(Usage.of(4, 1)),
        new Finished(FinishReason.LENGTH));

    assertThat(types(out)).endsWith("response.output_text.done", "response.content_part.done",
        "response.output_item.done", "response.incomplete");
    assertThat(types(out)).doesNotContain("response.completed");
    assertThat(out.get(out.size() - 2).json().at("/item/status").asText()).isEqualTo("incomplete");
    JsonNode response = out.getLast().json().get("response");
    assertThat(response.get("status").asText()).isEqualTo("incomplete");
    assertThat(response.get("incomplete_details").toString()).isEqualTo("{\"reason\":\"max_output_tokens\"}");
    assertThat(response.at("/usage/total_tokens").asLong()).isEqualTo(5);
  }

  @Test
  void aContentFilterFinishIsIncompleteForContentFilter() throws IOException {
    List<Sent> out = encode(STARTED, TextDelta.content("Hi"), new Finished(FinishReason.CONTENT_FILTER));

    assertThat(out.getLast().type()).isEqualTo("response.incomplete");
    assertThat(out.getLast().json().at("/response/incomplete_details/reason").asText()).isEqualTo("content_filter");
  }

  @Test
  void aResponseIdWithoutTheRespPrefixGetsIt() throws IOException {
    List<Sent> out = encode(new Started("chatcmpl-9", "m", 1), TextDelta.content("x"), new Finished(FinishReason.STOP));

    assertThat(out.getFirst().json().at("/response/id").asText()).isEqualTo("resp_chatcmpl-9");
    assertThat(out.get(2).json().at("/item/id").asText()).isEqualTo("msg_chatcmpl-9_0");
  }

  @Test
  void theWholeAnswerBuilderGivesTheResponseTheStreamCompletesWith() throws IOException {
    StreamEvent[] events = {STARTED, new TextDelta(TextDelta.Channel.REASONING, "r"), TextDelta.content("a"),
        new TextDelta(TextDelta.Channel.REFUSAL, "b"), new ToolCallDelta(0, "call_a", "f", "{}"),
        new UsageReport(new Usage(10, 5, 2, 0, 1, false)), new Finished(FinishReason.TOOL_CALLS)};
    var builder = new ResponseBuilder();
    for (StreamEvent e : events) builder.add(e);

    JsonNode whole = Json.MAPPER.readTree(builder.build());

    assertThat(whole).isEqualTo(encode(events).getLast().json().get("response"));
    assertThat(whole.get("object").asText()).isEqualTo("response");
    assertThat(whole.get("status").asText()).isEqualTo("completed");
    assertThat(whole.at("/output/1/content/1/type").asText()).isEqualTo("refusal");
    assertThat(whole.at("/output/2/call_id").asText()).isEqualTo("call_a");
  }

  @Test
  void theWholeAnswerBuilderReportsAnIncompleteResponse() {
    var builder = new ResponseBuilder();
    builder.add(STARTED);
    builder.add(TextDelta.content("cut"));
    builder.add(new Finished(FinishReason.LENGTH));

    assertThat(builder.build()).contains("\"status\":\"incomplete\"")
        .contains("\"incomplete_details\":{\"reason\":\"max_output_tokens\"}")
        .contains("\"text\":\"cut\"");
  }
}
