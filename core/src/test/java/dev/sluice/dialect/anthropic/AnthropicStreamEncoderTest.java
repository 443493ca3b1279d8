package dev.sluice.dialect.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.dialect.EventSink;
import dev.sluice.json.Json;
import dev.sluice.stream.ErrorType;
import dev.sluice.stream.Failed;
import dev.sluice.stream.FinishReason;
import dev.sluice.stream.Finished;
import dev.sluice.stream.GatewayError;
import dev.sluice.stream.GatewayException;
import dev.sluice.stream.Started;
import dev.sluice.stream.StreamEvent;
import dev.sluice.stream.TextDelta;
import dev.sluice.stream.ToolCallDelta;
import dev.sluice.stream.Usage;
import dev.sluice.stream.UsageReport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Anthropic encoder's event order and shapes, and the whole-message builder, from canonical events. */
class AnthropicStreamEncoderTest {

  /** Every event as {@code type data}. */
  static List<String> encode(StreamEvent... events) throws Exception {
    var out = new ArrayList<String>();
    var encoder = new AnthropicStreamEncoder();
    EventSink sink = new EventSink() {
      @Override
      public void event(String type, String id, String data) {
        out.add(type + " " + data);
      }

      @Override
      public void comment(String text) {
        out.add(": " + text);
      }
    };
    for (StreamEvent e : events) encoder.encode(e, sink);
    return out;
  }

  @Test
  void reasoningTextAndToolCallsBecomeBlocksInOrderWithUsageInMessageStartAndDelta() throws Exception {
    List<String> out = encode(
        new Started("msg_1", "claude-x", 0),
        new UsageReport(new Usage(100, 1, 50, 10, 0, false)),
        new TextDelta(TextDelta.Channel.REASONING, "hmm"),
        TextDelta.content("Hi"),
        new ToolCallDelta(0, "toolu_1", "f", ""),
        new ToolCallDelta(0, null, null, "{\"a\":"),
        new ToolCallDelta(0, null, null, "1}"),
        new ToolCallDelta(1, "toolu_2", "g", "{}"),
        new UsageReport(new Usage(100, 30, 50, 10, 5, false)),
        new Finished(FinishReason.TOOL_CALLS));
    assertThat(out).containsExactly(
        "message_start {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":40,"
            + "\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":50,\"output_tokens\":1}}}",
        "ping {\"type\":\"ping\"}",
        "content_block_start {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
        "content_block_delta {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}",
        "content_block_stop {\"type\":\"content_block_stop\",\"index\":0}",
        "content_block_start {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "content_block_delta {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
        "content_block_stop {\"type\":\"content_block_stop\",\"index\":1}",
        "content_block_start {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}}",
        "content_block_delta {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}",
        "content_block_delta {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"1}\"}}",
        "content_block_stop {\"type\":\"content_block_stop\",\"index\":2}",
        "content_block_start {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"g\",\"input\":{}}}",
        "content_block_delta {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}",
        "content_block_stop {\"type\":\"content_block_stop\",\"index\":3}",
        "message_delta {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{"
            + "\"input_tokens\":40,\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":50,\"output_tokens\":30}}",
        "message_stop {\"type\":\"message_stop\"}");
  }

  @Test
  void aFailureAfterTextEndsWithAnErrorEventAndNoMessageStop() throws Exception {
    List<String> out = encode(new Started("chatcmpl-1", "gpt-x", 0), TextDelta.content("Hel"),
        new Failed(GatewayError.of(ErrorType.UPSTREAM_OVERLOADED, "busy")));
    assertThat(out.getFirst()).startsWith("message_start ").contains("\"input_tokens\":0");
    assertThat(out.getLast()).isEqualTo(
        "error {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}");
    assertThat(out).noneMatch(e -> e.startsWith("message_stop") || e.startsWith("message_delta"));
  }

  @Test
  void aToolCallWithoutAnIdGetsOneAnAnthropicClientCanAnswer() throws Exception {
    List<String> out = encode(new Started("c", "m", 0), new ToolCallDelta(0, null, "f", "{}"),
        new Finished(FinishReason.TOOL_CALLS));
    assertThat(out).anyMatch(e -> e.contains("\"id\":\"toolu_sluice_0\""));
  }

  @Test
  void theBuilderMakesAWholeMessageAndRefusesArgumentsThatAreNotAnObject() throws Exception {
    var b = new AnthropicMessageBuilder();
    b.add(new Started("msg_2", "claude-x", 0));
    b.add(TextDelta.content("A"));
    b.add(TextDelta.content("B"));
    b.add(new ToolCallDelta(0, "toolu_1", "f", "{\"x\":"));
    b.add(new ToolCallDelta(0, null, null, "[1,2]}"));
    b.add(new UsageReport(new Usage(12, 3, 2, 0, 0, false)));
    b.add(new Finished(FinishReason.LENGTH));
    JsonNode m = Json.MAPPER.readTree(b.build());
    assertThat(m).isEqualTo(Json.MAPPER.readTree("""
        {"id":"msg_2","type":"message","role":"assistant","model":"claude-x",
         "content":[{"type":"text","text":"AB"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"x":[1,2]}}],
         "stop_reason":"max_tokens","stop_sequence":null,
         "usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":2,"output_tokens":3}}
        """));

    var cut = new AnthropicMessageBuilder();
    cut.add(new Started("msg_3", "claude-x", 0));
    cut.add(new ToolCallDelta(0, "toolu_1", "f", "{\"x\":"));
    cut.add(new Finished(FinishReason.LENGTH));
    assertThatThrownBy(cut::build).isInstanceOfSatisfying(GatewayException.class,
        e -> assertThat(e.error().type()).isEqualTo(ErrorType.UPSTREAM_ERROR));
  }

  /** Each delta event's data as the bytes a client receives: a String's data is sent as its UTF-8. */
  static List<byte[]> deltaBytes(StreamEvent... events) throws Exception {
    var out = new ArrayList<byte[]>();
    var encoder = new AnthropicStreamEncoder();
    EventSink sink = new EventSink() {
      @Override
      public void event(String type, String id, String data) {
        if (type.equals("content_block_delta")) out.add(data.getBytes(StandardCharsets.UTF_8));
      }

      @Override
      public void event(String type, String id, byte[] utf8, int off, int len) {
        if (type.equals("content_block_delta")) out.add(Arrays.copyOfRange(utf8, off, off + len));
      }

      @Override
      public void comment(String text) {}
    };
    for (StreamEvent e : events) encoder.encode(e, sink);
    return out;
  }

  @Test
  void deltasWrittenAsBytesAreTheBytesTheirTextWasBeforeWhateverTheCharacters() throws Exception {
    // Outside the BMP, lone surrogates of each kind and place, escapes, and U+2028.
    String[] texts = {"plain", "caf\u00e9 \u4e2d\u6587", "\ud83d\ude00 and \ud834\udd1e", "lone \ud83d high",
        "lone \ude00 low", "ends high \ud83d", "\ude00 starts low", "\"quotes\" \\ \n \t \u0001 \u2028"};
    for (String text : texts) {
      List<byte[]> sent = deltaBytes(new Started("msg_1", "claude-x", 0), TextDelta.content(text),
          new ToolCallDelta(0, "toolu_1", "f", text));
      String textDelta = expectedDelta(0, "text_delta", "text", text);
      String jsonDelta = expectedDelta(1, "input_json_delta", "partial_json", text);
      assertThat(sent).as(text).containsExactly(textDelta.getBytes(StandardCharsets.UTF_8),
          jsonDelta.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A delta event's JSON as the String path wrote it, with Jackson's text generator. */
  private static String expectedDelta(int index, String type, String field, String text) {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("type", "content_block_delta");
      g.writeNumberField("index", index);
      g.writeObjectFieldStart("delta");
      g.writeStringField("type", type);
      g.writeStringField(field, text);
      g.writeEndObject();
      g.writeEndObject();
    });
  }
}
